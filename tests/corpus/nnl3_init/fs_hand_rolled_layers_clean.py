# nnlint-expect: clean
# source: https://forums.fast.ai/t/help-chapter-3-full-mnist-single-layer-performs-better-than-3-layers/106412
# The poster's from-scratch layers are plain classes, not nn.Modules: they hand their tensors to
# the optimizer themselves through params(), so a requires_grad tensor on self is right here.
class LinearModel:
    def __init__(self, w, b):
        self.w = torch.rand(w).requires_grad_()
        self.b = torch.rand(b).requires_grad_()

    def params(self):
        return (self.w, self.b)

    def predict(self, xb):
        return xb @ self.w + self.b

layers = [LinearModel((28 * 28, 100), 100), LinearModel((100, 10), 10)]
opt = torch.optim.SGD([p for layer in layers for p in layer.params()], lr=0.1)
