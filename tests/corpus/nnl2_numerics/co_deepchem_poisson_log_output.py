# nnlint-expect: NNL201
# source: https://github.com/deepchem/deepchem/pull/5125
# nnlint-xfail: the operand of torch.log is a bare parameter (output) of a closure returned by the loss factory, or output / output.sum() normalised by hand; nnlint reports log only of values it knows can reach 0 (softmax/sigmoid probabilities, 1 - p, norms, counts) and knows nothing of a loss function's prediction argument
# The Poisson and categorical cross-entropy losses of a loss library take torch.log of the
# model output directly; an output of exactly 0 gives -inf.
import torch


class Loss:
    pass


class PoissonLoss(Loss):
    def _create_pytorch_loss(self):
        def loss(output, labels):
            return torch.mean(output - labels * torch.log(output))
        return loss


class CategoricalCrossEntropy(Loss):
    def _create_pytorch_loss(self):
        def loss(output, labels):
            output = output / torch.sum(output, dim=-1, keepdim=True)
            return -torch.sum(labels * torch.log(output), dim=-1)
        return loss
