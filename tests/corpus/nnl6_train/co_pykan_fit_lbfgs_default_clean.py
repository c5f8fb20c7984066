# nnlint-expect: clean
# source: https://github.com/KindXiaoming/pykan/pull/342
# The fixed usage: LBFGS keeps its lr=1 default, and the Adam run passes a rate of its own;
# the rates come from the call sites and a module-level config dict.
import torch

CONFIG = {"adam_lr": 3e-4, "steps": 50}


class KANLike(torch.nn.Module):
    def __init__(self, width=(2, 5, 1)):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(width[:-1], width[1:]))

    def forward(self, x):
        for layer in self.layers:
            x = torch.nn.functional.silu(layer(x))
        return x

    def fit(self, dataset, opt="LBFGS", steps=100, lr=1.0):
        if opt == "Adam":
            optimizer = torch.optim.Adam(self.parameters(), lr=lr)
        else:
            optimizer = torch.optim.LBFGS(self.parameters(), lr=lr, history_size=10)
        for _ in range(steps):
            def closure():
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(self(dataset["train_input"]), dataset["train_label"])
                loss.backward()
                return loss
            optimizer.step(closure)


data = {"train_input": torch.randn(64, 2), "train_label": torch.randn(64, 1)}
model = KANLike()
model.fit(data)
model.fit(data, opt="Adam", lr=CONFIG["adam_lr"], steps=CONFIG["steps"])
