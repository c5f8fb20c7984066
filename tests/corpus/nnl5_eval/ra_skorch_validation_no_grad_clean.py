# nnlint-expect: clean
# source: https://github.com/skorch-dev/skorch/pull/219
# The fix of that pull request: the validation step runs the module under torch.no_grad().
import torch


class NeuralNet:
    def __init__(self, module, criterion):
        self.module_ = module
        self.criterion_ = criterion

    def validation_step(self, Xi, yi):
        self.module_.train(False)
        with torch.no_grad():
            y_pred = self.module_(Xi)
            return self.criterion_(y_pred, yi)

    def evaluate(self, loader):
        losses = []
        for Xi, yi in loader:
            losses.append(self.validation_step(Xi, yi).item())
        return losses
