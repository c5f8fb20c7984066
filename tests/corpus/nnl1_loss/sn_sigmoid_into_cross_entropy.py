# nnlint-expect: NNL101
# source: https://runebook.dev/en/docs/pytorch/generated/torch.nn.functional.sigmoid
# a notebook cell: probabilities from sigmoid handed to CrossEntropyLoss
scores = model(batch)
probabilities = F.sigmoid(scores)
loss = nn.CrossEntropyLoss()(probabilities, labels)
loss.backward()
