# nnlint-expect: clean
# source: https://github.com/gordicaleksa/pytorch-GAT/issues/11
# The GAT layer does create its projections with nn.Parameter(torch.Tensor(...)), but
# init_params() applies xavier_uniform_ to each of them in __init__.
import torch
import torch.nn as nn


class GATLayer(nn.Module):
    def __init__(self, num_in_features, num_out_features, num_of_heads, concat=True):
        super().__init__()
        self.num_of_heads = num_of_heads
        self.num_out_features = num_out_features
        self.concat = concat
        self.linear_proj = nn.Linear(num_in_features, num_of_heads * num_out_features, bias=False)
        self.scoring_fn_target = nn.Parameter(torch.Tensor(1, num_of_heads, num_out_features))
        self.scoring_fn_source = nn.Parameter(torch.Tensor(1, num_of_heads, num_out_features))
        self.leakyReLU = nn.LeakyReLU(0.2)
        self.init_params()

    def init_params(self):
        nn.init.xavier_uniform_(self.linear_proj.weight)
        nn.init.xavier_uniform_(self.scoring_fn_target)
        nn.init.xavier_uniform_(self.scoring_fn_source)

    def forward(self, x, edge_index):
        proj = self.linear_proj(x).view(-1, self.num_of_heads, self.num_out_features)
        scores_source = (proj * self.scoring_fn_source).sum(dim=-1)
        scores_target = (proj * self.scoring_fn_target).sum(dim=-1)
        src, trg = edge_index
        return self.leakyReLU(scores_source[src] + scores_target[trg])
