# nnlint-expect: NNL502
# source: https://bot.dharman.net/reports.php?id=2017496
class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 1)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        return self.dropout(self.fc(x))


if __name__ == "__main__":
    model = Model()
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for x, y in loader:
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        print(model(sample))
