# nnlint-expect: NNL610
# source: https://github.com/fastai/fastai/issues/2133
# A learner whose optimizer takes only the trainable parameters when it is created; the
# maintainer's point in that thread is that it must be created again after a freeze or
# unfreeze. Here unfreeze() flips requires_grad and keeps the old optimizer.
import torch


class Learner:
    def __init__(self, model, loss_func, lr=1e-3):
        self.model = model
        self.loss_func = loss_func
        for p in self.model.body.parameters():
            p.requires_grad = False
        self.create_opt(lr)

    def create_opt(self, lr):
        self.opt = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=lr)

    def unfreeze(self):
        for p in self.model.parameters():
            p.requires_grad = True

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            for x, y in loader:
                self.opt.zero_grad()
                self.loss_func(self.model(x), y).backward()
                self.opt.step()
