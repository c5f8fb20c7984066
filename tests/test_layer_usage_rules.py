"""NNL403/NNL404 beyond their examples: where a layer counts as used, and which second
application of a batch-norm is a mistake."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source


def _findings(source: str, code: str) -> list[tuple[int, str]]:
    found = lint_source(textwrap.dedent(source).encode(), "m.py", {code}, None)
    return [(d.start.line, d.message) for d in found if d.code == code]


def _lines(source: str, code: str) -> list[int]:
    return [line for line, _ in _findings(source, code)]


LIGHTNING = """\
    import torch.nn as nn
    import lightning.pytorch as pl

    class Model(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Linear(8, 8)
            self.aux_head = nn.Linear(8, 2)
            self.unused_norm = nn.BatchNorm1d(8)

        def forward(self, x):
            return self.backbone(x)

        def training_step(self, batch, idx):
            x, y = batch
            return nn.functional.cross_entropy(self.aux_head(self(x)), y)
    """


def test_a_layer_used_only_in_training_step_is_used():
    assert _lines(LIGHTNING, "NNL403") == [9]


def test_the_message_names_the_attribute_the_layer_and_the_class():
    (_, message), = _findings(LIGHTNING, "NNL403")
    assert "self.unused_norm (BatchNorm1d)" in message and "Model.__init__" in message


def test_a_layer_read_outside_the_class_or_by_a_hook_is_used():
    source = """\
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(4, 4)
                self.probe = nn.Linear(4, 1)
                self.body.register_forward_hook(lambda m, i, o: None)

            def forward(self, x):
                return self.body(x)

        net = Net()
        score = net.probe(net(x))
        """
    assert _lines(source, "NNL403") == []


def test_module_dict_iteration_and_named_children_count_as_use():
    source = """\
        import torch.nn as nn

        class Heads(nn.Module):
            def __init__(self):
                super().__init__()
                self.heads = nn.ModuleDict({"a": nn.Linear(4, 1)})
                self.extra = nn.Linear(4, 1)

            def forward(self, x):
                return [m(x) for _, m in self.named_children()]
        """
    assert _lines(source, "NNL403") == []


def test_a_class_with_an_unseen_base_or_without_forward_is_not_judged():
    source = """\
        import torch.nn as nn
        from mylib import BaseEncoder

        class Encoder(BaseEncoder):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(4, 4)

        class Config(nn.Module):
            def __init__(self):
                super().__init__()
                self.table = nn.Embedding(10, 4)
        """
    assert _lines(source, "NNL403") == []


def test_a_base_class_of_the_file_using_the_subclass_layer_counts():
    source = """\
        import torch.nn as nn

        class Base(nn.Module):
            def forward(self, x):
                return self.classifier(self.features(x))

        class Small(Base):
            def __init__(self):
                super().__init__()
                self.features = nn.Conv2d(3, 8, 3)
                self.classifier = nn.Linear(8, 2)
                self.dropout = nn.Dropout(0.3)
        """
    assert _lines(source, "NNL403") == [12]


BN_TWICE = """\
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3)
            self.c2 = nn.Conv2d(8, 8, 3)
            self.bn = nn.BatchNorm2d(8)

        def forward(self, x):
            y = self.bn(self.c1(x))
            z = y.relu()
            out = self.c2(z)
            return self.bn(out)
    """


def test_a_batch_norm_reapplied_through_intermediate_variables_is_reported():
    (line, message), = _findings(BN_TWICE, "NNL404")
    assert line == 14 and "line 11" in message


def test_a_batch_norm_applied_in_exclusive_branches_or_to_separate_inputs_is_not():
    source = """\
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.bn = nn.BatchNorm1d(8)

            def forward(self, x, y, mode):
                if mode == "a":
                    out = self.bn(self.fc(x))
                elif mode == "b":
                    out = self.bn(self.fc(y))
                else:
                    out = x
                other = self.bn(y)
                return torch.cat([out, other])
        """
    assert _lines(source, "NNL404") == []


def test_a_class_whose_forward_is_abstract_or_a_stub_is_not_judged():
    # An abstract base (speechbrain's TransformerInterface): subclasses in other files write
    # the forward that uses its layers. A state-dict fixture's forward never runs.
    source = """\
        import torch.nn as nn

        class TransformerInterface(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.encoder = nn.Linear(d, d)
                self.decoder = nn.Linear(d, d)

            def forward(self, **kwargs):
                \"\"\"Users should modify this function according to their own tasks.\"\"\"
                raise NotImplementedError

        class Fixture(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear_submodule = nn.Linear(3, 5)

            def forward(self, x):
                # This doesn't matter, we're not going to actually use it.
                pass

        class Child(Fixture):
            def __init__(self):
                super().__init__()
                self.extra = nn.Linear(5, 5)
        """
    assert _lines(source, "NNL403") == []


def test_a_forward_that_computes_is_judged_even_when_a_base_raises():
    source = """\
        import torch.nn as nn

        class Base(nn.Module):
            def forward(self, x):
                raise NotImplementedError

        class Net(Base):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(4, 4)
                self.fc2 = nn.Linear(4, 4)

            def forward(self, x):
                return self.fc1(x)
        """
    assert _lines(source, "NNL403") == [11]
