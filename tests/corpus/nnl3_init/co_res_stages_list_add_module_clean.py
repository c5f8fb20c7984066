# nnlint-expect: clean
# source: https://github.com/open-mmlab/mmdetection/issues/472
# A backbone registers each stage with add_module and also keeps the stage objects in a
# plain list to iterate over them in order: the list is an index, the stages are registered.
import torch.nn as nn


def make_stage(c_in, c_out, blocks):
    layers = [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
    for _ in range(blocks - 1):
        layers += [nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers)


class Backbone(nn.Module):
    def __init__(self, widths=(64, 128, 256, 512), blocks=(2, 2, 2, 2)):
        super().__init__()
        self.stem = nn.Conv2d(3, widths[0], 7, stride=2, padding=3)
        self.stages = []
        c_in = widths[0]
        for i, (c_out, n) in enumerate(zip(widths, blocks)):
            stage = make_stage(c_in, c_out, n)
            self.add_module(f"layer{i + 1}", stage)
            self.stages.append(stage)
            c_in = c_out

    def forward(self, x):
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return outs
