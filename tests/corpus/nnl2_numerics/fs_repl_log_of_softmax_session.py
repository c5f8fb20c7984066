# nnlint-expect: NNL202
# source: https://discuss.pytorch.org/t/calculate-loss-between-a-target-in-one-hot-encoded-with-class-probabilities/180148
# The answer's point as a reader's interactive session: the log of the saturated softmax
# probabilities, taken to build a soft-target cross-entropy by hand, is -inf for every class
# that underflowed (the printed results are part of the paste).
>>> import torch
>>> scores = torch.tensor([-150.0, -50.0, 0.0, 50.0, 150.0])
>>> probs = scores.softmax(0)
>>> probs
tensor([0.0000e+00, 0.0000e+00, 0.0000e+00, 3.7835e-44, 1.0000e+00])
>>> target = torch.tensor([0.1, 0.1, 0.2, 0.3, 0.3])
>>> loss = -(target * torch.log(probs)).sum()
>>> loss
tensor(inf)
