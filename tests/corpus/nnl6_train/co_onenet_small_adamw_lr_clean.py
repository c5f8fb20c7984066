# nnlint-expect: clean
# source: https://github.com/PeizeSun/OneNet/issues/18
# The detector's AdamW rate (5e-5) is small on purpose; the maintainers note that it does
# not converge at 1e-2 or 1e-3.
import torch
import torchvision

model = torchvision.models.detection.fcos_resnet50_fpn(weights=None, num_classes=81)
optimizer = torch.optim.AdamW(model.parameters(), lr=0.00005, weight_decay=1e-4)
