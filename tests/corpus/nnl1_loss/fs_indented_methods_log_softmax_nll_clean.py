# nnlint-expect: clean
# source: https://forum.onefourthlabs.com/t/why-do-we-use-nn-logsoftmax-for-nll-loss-intead-of-nn-softmax/6664
# The answer's version in the same paste shape: log_softmax before NLLLoss.
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        return F.log_softmax(self.out(torch.tanh(self.hidden(x))), dim=1)

net = IrisNet()
loss_fn = nn.NLLLoss()
opt = optim.SGD(net.parameters(), lr=0.05)
for epoch in range(100):
    opt.zero_grad()
    loss = loss_fn(net(X_train), y_train)
    loss.backward()
    opt.step()
