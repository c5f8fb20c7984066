# nnlint-expect: NNL605
# source: http://kler.cn/a/413046.html
loss_sum = 0
for batch, target in loader:
    optimizer.zero_grad()
    loss = criterion(net(batch), target)
    loss.backward()
    optimizer.step()
    loss_sum += loss
print(loss_sum / len(loader))
