# nnlint-expect: NNL401
# source: https://forums.fast.ai/t/help-chapter-3-full-mnist-single-layer-performs-better-than-3-layers/106412
# The poster's three-layer MNIST learner did worse than one layer: the ReLU class was written but
# never put between the two linear layers. Rebuilt with nn modules, pasted without imports and
# with the data part elided.
simple_net = nn.Sequential(
    nn.Linear(28 * 28, 100),
    nn.Linear(100, 10),
)
opt = optim.SGD(simple_net.parameters(), lr=0.1)
...
for xb, yb in dl:
    loss = F.cross_entropy(simple_net(xb), yb)
    loss.backward()
    opt.step()
    opt.zero_grad()
