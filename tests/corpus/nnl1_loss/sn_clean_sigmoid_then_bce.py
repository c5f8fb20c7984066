# nnlint-expect: clean
# source: http://www.philkr.net/cs342/doc/sigmoid/
m = nn.Sigmoid()
scores = torch.randn(128, 2)
output = m(scores)
loss = nn.BCELoss()
target = torch.empty(128, 2).random_(2)
loss_val = loss(output, target)
