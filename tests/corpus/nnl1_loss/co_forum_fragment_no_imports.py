# nnlint-expect: NNL102
# source: https://runebook.dev/en/articles/pytorch/generated/torch.nn.softmax
# A snippet as people paste it into a forum post: no import lines, the conventional names
# nn and torch unbound. The "incorrect way" of the page: Softmax probabilities into NLLLoss.
logits = torch.randn(1, 5)
softmax_layer = nn.Softmax(dim=1)
probs = softmax_layer(logits)
loss_func = nn.NLLLoss()
target = torch.tensor([2])
loss = loss_func(probs, target)
