# nnlint-expect: clean
# source: https://alchemine.github.io/2022/12/17/logistic_regression.html
# A blog cell that writes cross entropy out by hand on random logits and checks it against
# the library's functions: printed and asserted, never backpropagated.
import torch
import torch.nn.functional as F

logits = torch.rand(3, 5)
labels = torch.tensor([2, 4, 3])
labels_oh = torch.zeros(3, 5).scatter(1, labels.unsqueeze(-1), 1)

by_hand = -(labels_oh * torch.log(F.softmax(logits, dim=1))).sum(1).mean()
print(by_hand)
assert torch.allclose(by_hand, F.cross_entropy(logits, labels))
