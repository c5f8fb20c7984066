# nnlint-expect: clean
# source: https://github.com/huggingface/trl/issues/155
# The thread settles that the trainer calls eval() on the policy before generating and
# train() afterwards. The generation goes through a small wrapper that mixes the policy's and
# the reference model's logits; the wrapper's forward runs under inference_mode and never
# decides a mode itself: the trainer that runs it does.
import torch
import torch.nn as nn


class MixtureWrapper:
    def __init__(self, model: nn.Module, ref_model: nn.Module, coef: float = 0.5):
        self.model = model
        self.ref_model = ref_model
        self.coef = coef

    def __call__(self, input_ids):
        return self.forward(input_ids)

    @torch.inference_mode()
    def forward(self, input_ids):
        logits = self.model(input_ids)
        ref_logits = self.ref_model(input_ids)
        return torch.log_softmax(self.coef * ref_logits + (1 - self.coef) * logits, dim=-1)


class Trainer:
    def __init__(self, policy: nn.Module, ref_policy: nn.Module):
        self.policy = policy
        self.ref_policy = ref_policy
        self.mixture = MixtureWrapper(policy, ref_policy)

    def sample(self, input_ids):
        self.policy.eval()
        self.ref_policy.eval()
        mixed = self.mixture(input_ids)
        self.policy.train()
        return mixed.argmax(-1)
