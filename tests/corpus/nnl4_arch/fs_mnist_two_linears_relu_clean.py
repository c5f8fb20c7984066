# nnlint-expect: clean
# source: https://forums.fast.ai/t/help-chapter-3-full-mnist-single-layer-performs-better-than-3-layers/106412
# The reply's fix: the ReLU goes between the two linear layers.
simple_net = nn.Sequential(
    nn.Linear(28 * 28, 100),
    nn.ReLU(),
    nn.Linear(100, 10),
)
opt = optim.SGD(simple_net.parameters(), lr=0.1)
...
for xb, yb in dl:
    loss = F.cross_entropy(simple_net(xb), yb)
    loss.backward()
    opt.step()
    opt.zero_grad()
