"""What the analysis follows from an activation to a loss, seen through the findings a user gets."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source
from nnlint.rules import all_rules

ALL_CODES = frozenset(rule.code for rule in all_rules())


def findings(source: str, codes=ALL_CODES):
    return lint_source(textwrap.dedent(source).encode(), "model.py", set(codes))


def codes_and_lines(source: str, codes=ALL_CODES):
    return sorted((d.code, d.start.line) for d in findings(source, codes))


def test_one_softmax_feeding_several_losses_is_one_finding_with_each_loss_related():
    result = findings(
        """
        import torch.nn as nn
        aux = nn.Sequential(nn.Linear(64, 10), nn.Softmax(dim=1))
        ce = nn.CrossEntropyLoss()

        def d_step(h_real, h_fake, y):
            return ce(aux(h_real), y) + ce(aux(h_fake), y)

        def g_step(h_fake, y):
            return ce(aux(h_fake), y)
        """
    )
    assert [(d.code, d.start.line) for d in result] == [("NNL101", 3)]
    assert sorted(location.start.line for location in result[0].related) == [7, 7, 10]


def test_softmax_returned_only_in_eval_mode_or_on_request_does_not_reach_the_training_loss():
    source = """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(10, 3)
            def forward(self, x, return_probs=False):
                logits = self.fc(x)
                if return_probs:
                    return F.softmax(logits, dim=1)
                if not self.training:
                    return logits.softmax(-1)
                return logits

        def train(loader):
            model, criterion = Net(), nn.CrossEntropyLoss()
            for x, y in loader:
                criterion(model(x), y).backward()
                confidence = model(x, return_probs=True).max(1)
        """
    assert codes_and_lines(source, {"NNL101"}) == []
    # ...but the same flag at the loss call is the bug.
    buggy = source.replace("criterion(model(x), y)", "criterion(model(x, return_probs=True), y)")
    assert codes_and_lines(buggy, {"NNL101"}) == [("NNL101", 13)]


def test_a_loss_and_a_model_passed_into_the_training_function_are_followed():
    source = """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        def train_model(model, loader, criterion, optimizer):
            for inputs, labels in loader:
                outputs = F.softmax(model(inputs), dim=1)
                loss = criterion(outputs, labels)
                loss.backward()

        def run(model, loader):
            criterion = nn.CrossEntropyLoss()
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            return train_model(model, loader, criterion, opt)
        """
    assert codes_and_lines(source, {"NNL101"}) == [("NNL101", 8)]


def test_functional_imported_under_the_name_nn_is_still_functional():
    source = """
        import torch
        import torch.nn.functional as nn

        def step(head, x, y):
            return nn.cross_entropy(nn.softmax(head(x), dim=1), y)
        """
    assert codes_and_lines(source, {"NNL101"}) == [("NNL101", 6)]


def test_an_unknown_layer_in_a_sequential_does_not_hide_the_softmax_after_it():
    source = """
        import torch.nn as nn
        from mylib import FancyBlock
        model = nn.Sequential(nn.Linear(10, 32), FancyBlock(32), nn.BatchNorm1d(32), nn.Linear(32, 5), nn.Softmax(dim=1))
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y):
            return loss_fn(model(x), y)
        """
    assert codes_and_lines(source, {"NNL101"}) == [("NNL101", 4)]


def test_softmax_over_the_positions_of_a_one_channel_map_is_not_a_one_unit_softmax():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        class GlobalContext(nn.Module):
            def __init__(self, channels):
                super().__init__()
                self.conv_attn = nn.Conv2d(channels, 1, kernel_size=1)
            def forward(self, x):
                B, C, H, W = x.shape
                attn = self.conv_attn(x).reshape(B, 1, H * W)
                return F.softmax(attn, dim=-1)
        """
    assert codes_and_lines(source, {"NNL106"}) == []


def test_a_guard_anywhere_before_the_log_is_seen():
    source = """
        import torch

        def bce(probs, y, eps=1e-7):
            probs = probs.clamp(eps, 1 - eps)
            return -(y * torch.log(probs) + (1 - y) * torch.log(1 - probs)).mean()

        def entropy(probs):
            return -(probs * torch.log(probs)).sum(-1)
        """
    assert codes_and_lines(source, {"NNL201"}) == [("NNL201", 9)]


def test_deeply_nested_code_does_not_crash_the_analysis():
    depth = 400
    source = "import torch\nx = " + "torch.relu(" * depth + "y" + ")" * depth + "\n"
    lint_source(source.encode(), "deep.py", set(ALL_CODES))  # must not raise


def test_expressions_nested_beyond_what_python_compiles_are_a_syntax_error_not_a_crash():
    for source in (
        "import torch\nx = " + "(" * 3000 + "y" + ")" * 3000 + "\n",
        "import torch\nx = " + " + ".join(["a"] * 10000) + "\n",
        "import torch\nx = a" + ".b" * 10000 + "\n",
    ):
        result = lint_source(source.encode(), "deep.py", {"NNL001"})
        assert [d.code for d in result] == ["NNL001"]


def test_layers_applied_in_a_loop_count_in_order_so_only_the_last_one_reaches_the_loss():
    source = """
        import torch.nn as nn

        class MLP(nn.Module):
            def __init__(self, last):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3), last])
            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x

        def train(loader):
            model, loss_fn = MLP(nn.Identity()), nn.CrossEntropyLoss()
            for x, y in loader:
                loss_fn(model(x), y).backward()
        """
    assert codes_and_lines(source) == []
    buggy = source.replace("MLP(nn.Identity())", "MLP(nn.Softmax(dim=1))")
    assert codes_and_lines(buggy) == [("NNL101", 14)]


def test_a_loss_kept_as_a_class_attribute_is_found():
    source = """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            criterion = nn.CrossEntropyLoss()
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)
            def forward(self, x):
                return torch.softmax(self.fc(x), dim=1)
            def training_step(self, batch):
                x, y = batch
                return self.criterion(self(x), y)
        """
    assert codes_and_lines(source, {"NNL101"}) == [("NNL101", 11)]


def test_a_loss_whose_input_depends_on_an_undecided_branch_is_not_reported():
    source = """
        import torch.nn as nn

        class Discriminator(nn.Module):
            def __init__(self, wass_metric=False):
                super().__init__()
                self.model = nn.Sequential(nn.Linear(64, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
                if not wass_metric:
                    self.model = nn.Sequential(self.model, nn.Sigmoid())
            def forward(self, x):
                return self.model(x)

        def train(loader, wass_metric):
            disc, bce = Discriminator(wass_metric=wass_metric), nn.BCELoss()
            for x, valid in loader:
                d = disc(x)
                loss = d.mean() if wass_metric else bce(d, valid)
        """
    assert codes_and_lines(source, {"NNL104"}) == []


def test_a_named_sequential_built_from_an_ordered_dict_is_followed():
    source = """
        from collections import OrderedDict
        import torch.nn as nn

        model = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(20, 64)),
            ("relu", nn.ReLU()),
            ("fc2", nn.Linear(64, 3)),
            ("softmax", nn.Softmax(dim=1)),
        ]))

        def train(loader):
            for x, y in loader:
                nn.CrossEntropyLoss()(model(x), y).backward()
                head = model.fc2(x)
        """
    assert codes_and_lines(source, {"NNL101"}) == [("NNL101", 9)]


def test_a_layer_list_grown_by_append_is_not_its_first_item():
    """U-Net builds `layers = [DoubleConv(...)]`, appends the rest and ends with a Conv2d: the
    ReLU at the end of the first block is not the network's output."""
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
            def forward(self, x):
                return self.net(x)

        class UNet(nn.Module):
            def __init__(self):
                super().__init__()
                layers = [Block()]
                layers.append(nn.Conv2d(8, 19, kernel_size=1))
                self.layers = nn.ModuleList(layers)
            def forward(self, x):
                return self.layers[-1](self.layers[0](x))

        def step(model, x, y):
            return F.cross_entropy(UNet()(x), y)
        """
    assert codes_and_lines(source) == []
    assert codes_and_lines(source.replace("layers.append(nn.Conv2d(8, 19, kernel_size=1))", "pass")) == [
        ("NNL108", 8)]


def test_a_sequential_of_layers_nnlint_cannot_list_is_not_the_identity():
    # `layers += [...]` once left the list unknown and the Sequential built from it passed its
    # input through, so the ReLU of the block before reached the regression loss.
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        def block(i, o, with_relu=True, pad=True):
            layers = []
            if pad:
                layers.append(nn.ReflectionPad2d(1))
            layers += [nn.Conv2d(i, o, 3), nn.InstanceNorm2d(o)]
            if with_relu:
                layers.append(nn.ReLU())
            return nn.Sequential(*layers)

        class Generator(nn.Module):
            def __init__(self):
                super().__init__()
                self.up = nn.Sequential(nn.ConvTranspose2d(8, 8, 3), nn.ReLU())
                self.out = block(8, 3, with_relu=False)

            def forward(self, x):
                return self.out(self.up(x))

        gen = Generator()

        def step(fake, real):
            F.l1_loss(gen(fake), real).backward()
        """
    assert codes_and_lines(source, {"NNL105"}) == []


def test_layers_added_with_plus_equals_are_followed_to_the_loss():
    source = """
        import torch.nn as nn

        def head(width, classes):
            layers = [nn.Linear(width, width), nn.ReLU()]
            layers += [nn.Linear(width, classes), nn.Softmax(dim=1)]
            return nn.Sequential(*layers)

        model = head(64, 10)
        criterion = nn.CrossEntropyLoss()

        def train_step(x, y):
            criterion(model(x), y).backward()
        """
    assert codes_and_lines(source, {"NNL101"}) == [("NNL101", 6)]


def test_a_layer_appended_by_a_block_factory_is_the_block_output():
    source = """
        import torch.nn as nn

        def fc_layer(n_in, n_out, relu=True):
            layers = [nn.Linear(n_in, n_out)]
            if relu:
                layers.append(nn.ReLU(inplace=True))
            return nn.Sequential(*layers)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(4))
                self.fc = fc_layer(8 * 16, 10)

            def forward(self, x):
                return self.fc(self.features(x).flatten(1))

        model = Net()
        criterion = nn.CrossEntropyLoss()

        def train_step(x, y):
            criterion(model(x), y).backward()
        """
    # The ReLU appended in fc_layer (line 7), not the one inside `features`.
    assert codes_and_lines(source, {"NNL108"}) == [("NNL108", 7)]


def test_an_initializer_of_a_module_takes_no_gradient_but_its_forward_does():
    # peft's RandLoRA normalises random projection bases by their std in `_init_*` methods,
    # once, on tensors no gradient reaches; the same division in forward is checked.
    source = """
        import torch
        import torch.nn as nn

        class Projection(nn.Module):
            def _init_bases(self, r, d):
                basis = torch.rand(r, d)
                self.register_buffer("basis", basis / basis.std())

            def forward(self, x):
                return x / x.std()
        """
    lines = [d.start.line for d in findings(source, {"NNL203"})]
    assert lines == [11]
