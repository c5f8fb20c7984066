# nnlint-expect: NNL109
# source: https://github.com/michaal94/torch_DCEC/issues/1
# Deep clustering: the clustering layer returns Student-t soft assignments (rows sum to 1);
# the asker's version passes them to KLDivLoss directly, without the log the repository
# applies, and the clustering loss does not train.
import torch
import torch.nn as nn


class ClusterlingLayer(nn.Module):
    def __init__(self, in_features=10, out_features=10, alpha=1.0):
        super().__init__()
        self.alpha = alpha
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, z):
        dist = ((z.unsqueeze(1) - self.weight) ** 2).sum(2)
        q = 1.0 / (1.0 + dist / self.alpha)
        q = q ** ((self.alpha + 1.0) / 2.0)
        return q / q.sum(1, keepdim=True)


clustering = ClusterlingLayer()
criterion = nn.KLDivLoss(reduction="sum")


def clustering_loss(z, target_distribution, batch):
    y_hat_batch = clustering(z)
    return criterion(y_hat_batch, target_distribution) / batch
