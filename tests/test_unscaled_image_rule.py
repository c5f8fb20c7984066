"""NNL507 beyond its examples: which conversions leave pixels unscaled, and NNL505's share."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source

HEAD = """\
    import cv2
    import torch
    import torchvision
    from torchvision.io import read_image

    model = torchvision.models.resnet18()
    """


def _codes(body: str) -> list[str]:
    source = textwrap.dedent(HEAD) + textwrap.dedent(body)
    return sorted(d.code for d in lint_source(source.encode(), "m.py", {"NNL505", "NNL507"}, None))


def test_float_conversions_of_decoded_images_are_reported():
    assert _codes("model(read_image('a.png').to(torch.float32).unsqueeze(0))\n") == ["NNL507"]
    assert _codes("x = torch.from_numpy(cv2.imread('a.png')).permute(2, 0, 1).float()\nmodel(x[None])\n") == ["NNL507"]


def test_scaling_in_place_by_division_or_normalizing_silences_it():
    assert _codes("x = read_image('a.png').float()\nx /= 255\nmodel(x[None])\n") == []
    assert _codes("x = read_image('a.png').float().div_(255)\nmodel(x[None])\n") == []
    assert _codes("x = read_image('a.png').float()\nx = (x - 127.5) / 127.5\nmodel(x[None])\n") == []


def test_an_unconverted_uint8_image_is_nnl505s():
    assert _codes("model(read_image('a.png').unsqueeze(0))\n") == ["NNL505"]
