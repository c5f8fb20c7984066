# nnlint-expect: NNL302
# source: https://github.com/pytorch/pytorch/issues/1053
# Kim-style text CNN: three Conv1d of widths 3/4/5 kept in a plain list; after .cuda()
# they are still on the CPU and the optimizer never sees them.
import torch as th
import torch.nn.functional as F

WORD_VEC_SIZE = 300


class Net(th.nn.Module):
    def __init__(self, n_classes=2):
        super(Net, self).__init__()
        self.conv1d = [
            th.nn.Conv1d(WORD_VEC_SIZE, 100, 3),
            th.nn.Conv1d(WORD_VEC_SIZE, 100, 4),
            th.nn.Conv1d(WORD_VEC_SIZE, 100, 5),
        ]
        self.fc = th.nn.Linear(300, n_classes)

    def forward(self, emb):
        pooled = [F.relu(conv(emb)).max(dim=2).values for conv in self.conv1d]
        return self.fc(th.cat(pooled, dim=1))
