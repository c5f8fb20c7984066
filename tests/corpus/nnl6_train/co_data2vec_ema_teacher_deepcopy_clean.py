# nnlint-expect: clean
# source: https://github.com/arxyzan/data2vec-pytorch/issues/12
# The EMA teacher is a deepcopy of the student made after the optimizer was built; the
# optimizer keeps training the student (still bound to `encoder`), and the teacher follows
# it by an exponential moving average, with no optimizer of its own.
import copy

import torch
import torch.nn as nn


class EMA:
    def __init__(self, model, decay=0.999):
        self.model = copy.deepcopy(model)
        self.model.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def step(self, new_model):
        for ema_p, p in zip(self.model.parameters(), new_model.parameters()):
            ema_p.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)


encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(256, 4, batch_first=True), num_layers=4)
regression_head = nn.Linear(256, 256)
optimizer = torch.optim.AdamW(list(encoder.parameters()) + list(regression_head.parameters()), lr=2e-4)
ema = EMA(encoder)

for src, mask in []:
    optimizer.zero_grad()
    student = regression_head(encoder(src * mask.unsqueeze(-1)))
    with torch.no_grad():
        targets = ema.model(src)
    loss = nn.functional.smooth_l1_loss(student[mask], targets[mask])
    loss.backward()
    optimizer.step()
    ema.step(encoder)
