"""Which models `.eval()` changes: a dropout built with 0, or with a constructor parameter
that gets 0 (passed, or its default), is not an active mode-dependent layer
(nnlint.analysis.paths.mode_activity, read by NNL502/NNL503 through the path facts)."""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import analyze

BLOCKS = """\
import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, dim, dropout_rate=0.0):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout_rate)

    def forward(self, x):
        return self.drop(self.fc(x))

class Zero(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(p=0)

    def forward(self, x):
        return self.drop(self.fc(x))

class Wrap(nn.Module):
    def __init__(self, p=0.0):
        super().__init__()
        self.b = Block(4, dropout_rate=p)

    def forward(self, x):
        return self.b(x)

class Configured(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x):
        return self.drop(self.fc(x))

default = Block(4)
keyword = Block(4, dropout_rate=0.1)
positional = Block(4, 0.2)
unread = Block(**params)
zero = Zero()
wrapped_default = Wrap()
wrapped_on = Wrap(p=0.5)
configured = Configured(cfg)
seq_zero = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.0))
seq_on = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.3))
encoder_zero = nn.TransformerEncoderLayer(64, 4, dropout=0.0)
encoder = nn.TransformerEncoderLayer(64, 4)
"""


def _modes(source: str) -> dict:
    facts = analyze(cst.parse_module(source), "blocks.py")
    assert facts.paths is not None
    return facts.paths.has_mode_layers


def test_a_dropout_of_zero_is_not_a_mode_layer() -> None:
    modes = _modes(BLOCKS)
    assert modes["zero"] is False
    assert modes["seq_zero"] is False
    assert modes["seq_on"] is True
    assert modes["configured"] is True  # a value nnlint cannot read counts as active


def test_a_rate_parameter_defaulting_to_zero_is_decided_by_each_construction() -> None:
    modes = _modes(BLOCKS)
    assert modes["default"] is False
    assert modes["keyword"] is True
    assert modes["positional"] is True
    assert modes["unread"] is None
    assert modes["wrapped_default"] is False
    assert modes["wrapped_on"] is True


def test_a_transformer_layer_built_without_dropout_is_not_a_model_with_mode_layers() -> None:
    modes = _modes(BLOCKS)
    assert "encoder_zero" not in modes  # not taken for a model of its own
    assert modes["encoder"] is True


def test_a_class_whose_dropout_depends_on_its_constructor_is_not_exported_as_known() -> None:
    facts = analyze(cst.parse_module(BLOCKS), "blocks.py")
    assert facts.paths is not None
    # Another file's construction decides; from here the class is unknown, not False.
    assert "Block" not in facts.paths.class_modes
    assert facts.paths.class_modes["Zero"] is False
    assert "Configured" in facts.paths.class_modes and facts.paths.class_modes["Configured"] is True


def test_pretrained_models_of_any_library_and_torchtext_bundles_have_mode_layers() -> None:
    modes = _modes("""\
from diffusers import UNet2DConditionModel
from torchtext.models import RobertaClassificationHead, XLMR_BASE_ENCODER
from transformers import AutoTokenizer

unet = UNet2DConditionModel.from_pretrained("sd", subfolder="unet")
roberta = XLMR_BASE_ENCODER.get_model(head=RobertaClassificationHead(num_classes=2, input_dim=768))
tokenizer = AutoTokenizer.from_pretrained("gpt2")
""")
    assert modes["unet"] is True
    assert modes["roberta"] is True
    assert "tokenizer" not in modes


REQUIRED_RATE = """\
import torch
import torch.nn as nn

class CausalAttention(nn.Module):
    def __init__(self, d_in, d_out, context_length, dropout, qkv_bias=False):
        super().__init__()
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.W_query(x))

class Heads(nn.Module):
    def __init__(self, d, p=0.1):
        super().__init__()
        self.attn = CausalAttention(d, d, 8, p)

    def forward(self, x):
        return self.attn(x)

off = CausalAttention(4, 4, 8, 0.0)
by_keyword_off = CausalAttention(4, 4, 8, dropout=0)
on = CausalAttention(4, 4, 8, 0.1)
heads_default = Heads(4)
heads_off = Heads(4, p=0.0)
"""


def test_a_required_rate_parameter_is_decided_by_each_construction() -> None:
    # rasbt/LLMs-from-scratch builds its causal-attention module with dropout 0.0 to show
    # the buffers: that module computes the same in both modes.
    modes = _modes(REQUIRED_RATE)
    assert modes["off"] is False
    assert modes["by_keyword_off"] is False
    assert modes["on"] is True
    assert modes["heads_default"] is True  # its default, 0.1, reaches the dropout
    assert modes["heads_off"] is False


def test_a_class_whose_rate_must_be_passed_is_exported_as_active() -> None:
    facts = analyze(cst.parse_module(REQUIRED_RATE), "attention.py")
    assert facts.paths is not None
    # Another file must pass a rate nnlint cannot see from here: a question, as before.
    assert facts.paths.class_modes["CausalAttention"] is True
    assert facts.paths.class_modes["Heads"] is True
