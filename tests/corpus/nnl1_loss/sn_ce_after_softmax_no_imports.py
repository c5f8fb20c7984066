# nnlint-expect: NNL101
# source: https://openillumi.com/?p=73112
# Forum-style post: no import lines, the model ends in a softmax and trains with CrossEntropyLoss.
class Classifier(nn.Module):
    def __init__(self, n_in, n_classes):
        super().__init__()
        self.hidden = nn.Linear(n_in, 64)
        self.out = nn.Linear(64, n_classes)

    def forward(self, x):
        x = F.relu(self.hidden(x))
        return F.softmax(self.out(x), dim=1)


net = Classifier(20, 4)
loss_fn = nn.CrossEntropyLoss()
opt = optim.Adam(net.parameters(), lr=1e-3)
for features, labels in loader:
    opt.zero_grad()
    loss = loss_fn(net(features), labels)
    loss.backward()
    opt.step()
