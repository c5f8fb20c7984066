# nnlint-expect: NNL403
# source: https://discuss.pytorch.org/t/relationship-between-the-net-structure-and-forward/17826
# A fourth linear layer is registered but the forward pass skips it: printing the model shows
# it, the optimizer carries it, and it never gets a gradient.
import torch


class TwoHiddenNet(torch.nn.Module):
    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.input_linear = torch.nn.Linear(d_in, hidden)
        self.middle_linear = torch.nn.Linear(hidden, hidden)
        self.extra_linear = torch.nn.Linear(hidden, hidden)
        self.output_linear = torch.nn.Linear(hidden, d_out)

    def forward(self, x):
        h = self.input_linear(x).clamp(min=0)
        h = self.middle_linear(h).clamp(min=0)
        return self.output_linear(h)


model = TwoHiddenNet(64, 100, 10)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)
