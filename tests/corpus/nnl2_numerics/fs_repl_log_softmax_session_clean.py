# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/calculate-loss-between-a-target-in-one-hot-encoded-with-class-probabilities/180148
# The answer's fix in the same session: log_softmax gives finite log-probabilities.
>>> import torch
>>> scores = torch.tensor([-150.0, -50.0, 0.0, 50.0, 150.0])
>>> log_probs = scores.log_softmax(0)
>>> log_probs
tensor([-300., -200., -150., -100.,    0.])
>>> target = torch.tensor([0.1, 0.1, 0.2, 0.3, 0.3])
>>> loss = -(target * log_probs).sum()
>>> loss
tensor(90.)
