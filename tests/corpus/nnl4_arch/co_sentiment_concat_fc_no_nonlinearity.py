# nnlint-expect: NNL401
# source: https://github.com/stanfordnlp/stanza/pull/1610
# A sentence classifier concatenates max-pooled convolution features with extra features,
# then applies two Linear layers with only dropout between them: they merge into one.
import torch
import torch.nn as nn
import torch.nn.functional as F


class CNNClassifier(nn.Module):
    def __init__(self, emb_dim=100, filters=100, widths=(3, 4, 5), extra_dim=20, hidden=64, n_classes=3):
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv1d(emb_dim, filters, w) for w in widths)
        self.dropout = nn.Dropout(0.5)
        self.fc1 = nn.Linear(filters * len(widths) + extra_dim, hidden)
        self.fc_out = nn.Linear(hidden, n_classes)

    def forward(self, embedded, extra):
        x = embedded.transpose(1, 2)
        pooled = [F.relu(conv(x)).max(dim=2).values for conv in self.convs]
        features = torch.cat(pooled + [extra], dim=1)
        hidden = self.dropout(self.fc1(self.dropout(features)))
        return self.fc_out(hidden)
