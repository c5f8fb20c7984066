# nnlint-expect: NNL302
# source: https://github.com/asyml/texar-pytorch/issues/72
# A MergeLayer applies several sub-layers to one input and merges the results; the
# sub-layers are built from hparams into a plain list, so they are missing from
# trainable_variables.
import torch
import torch.nn as nn


def get_layer(hparams):
    return getattr(nn, hparams["type"])(**hparams.get("kwargs", {}))


class MergeLayer(nn.Module):
    def __init__(self, layers_hparams, mode="concat", dim=-1):
        super().__init__()
        self._mode, self._dim = mode, dim
        self._layers = []
        for hp in layers_hparams:
            if isinstance(hp, nn.Module):
                self._layers.append(hp)
            else:
                self._layers.append(get_layer(hp))

    def forward(self, inputs):
        outputs = [layer(inputs) for layer in self._layers]
        if self._mode == "concat":
            return torch.cat(outputs, dim=self._dim)
        return torch.stack(outputs, dim=0).sum(dim=0)


merge = MergeLayer([nn.Linear(64, 32), {"type": "Linear", "kwargs": {"in_features": 64, "out_features": 32}}])
