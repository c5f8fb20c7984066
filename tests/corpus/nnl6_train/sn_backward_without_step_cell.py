# nnlint-expect: NNL603
# source: http://xmanong.com/ask/42876
optimizer = optim.SGD(net.parameters(), lr=0.01)
for x, y in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(net(x), y)
    loss.backward()
