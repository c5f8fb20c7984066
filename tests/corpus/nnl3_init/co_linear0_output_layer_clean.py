# nnlint-expect: clean
# source: https://github.com/cpnota/autonomous-learning-library/issues/153
# A Linear0 layer (a Linear whose weights and bias start at zero) used only as the output
# layer of value and policy heads, so the initial policy is uniform; the hidden layers keep
# their random initialisation.
import torch.nn as nn


class Linear0(nn.Linear):
    def reset_parameters(self):
        nn.init.zeros_(self.weight)
        if self.bias is not None:
            nn.init.zeros_(self.bias)


def fc_policy_head(env_features=64, n_actions=6):
    return nn.Sequential(nn.Linear(env_features, 256), nn.ReLU(), Linear0(256, n_actions))
