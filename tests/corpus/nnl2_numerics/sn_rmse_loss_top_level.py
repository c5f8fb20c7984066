# nnlint-expect: NNL204
# source: https://e-com-net.com/article/1610540118618177536.htm
criterion = nn.MSELoss()
for x, y in loader:
    optimizer.zero_grad()
    loss = torch.sqrt(criterion(model(x), y))
    loss.backward()
    optimizer.step()
