# nnlint-expect: clean
# source: https://github.com/shivram1987/AdaNorm/issues/1
# Inside the optimizer's step, grad is rescaled by exp_grad_norm / grad_norm; this is
# optimizer bookkeeping under no_grad, not part of any gradient, and the denominator of
# the update already carries eps.
import torch
from torch.optim import Optimizer


class AdamNorm(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, gamma=0.95):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, gamma=gamma))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    state["exp_grad_norm"] = torch.zeros(1, device=p.device)
                state["step"] += 1
                grad_norm = torch.norm(grad)
                state["exp_grad_norm"].mul_(group["gamma"]).add_(grad_norm, alpha=1 - group["gamma"])
                if state["exp_grad_norm"] > grad_norm:
                    grad = grad * state["exp_grad_norm"] / grad_norm
                state["exp_avg"].mul_(beta1).add_(grad, alpha=1 - beta1)
                state["exp_avg_sq"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                denom = state["exp_avg_sq"].sqrt().add_(group["eps"])
                p.addcdiv_(state["exp_avg"], denom, value=-group["lr"])
