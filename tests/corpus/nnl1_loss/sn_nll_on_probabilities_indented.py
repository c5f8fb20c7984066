# nnlint-expect: NNL102
# source: https://runebook.dev/en/docs/pytorch/generated/torch.nn.softmax
        # pasted from inside a training step
        probs = nn.Softmax(dim=1)(logits)
        criterion = nn.NLLLoss()
        loss = criterion(probs, target)
        loss.backward()
