# nnlint-expect: NNL202
# source: https://discuss.pytorch.org/t/calculate-loss-between-a-target-in-one-hot-encoded-with-class-probabilities/180148
for x, one_hot in loader:
    optimizer.zero_grad()
    probs = torch.softmax(model(x), dim=1)
    loss = -(one_hot * torch.log(probs)).sum(1).mean()
    loss.backward()
    optimizer.step()
