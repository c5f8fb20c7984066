"""Cross-file facts from per-file summaries: base classes, loss wrappers, training pipelines
and positions of another file, joined before a file's analysis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import nnlint.lint
from nnlint.cli import cli
from tests.project_files import write

BASE = """\
import torch.nn as nn


class BaseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(32, 64), nn.ReLU())

    def classify(self, h):
        raise NotImplementedError

    def forward(self, x):
        return self.classify(self.features(x))
"""

MODELS = """\
import torch.nn as nn
import torch.nn.functional as F

from base import BaseNet


class Net(BaseNet):
    def __init__(self, classes=5):
        super().__init__()
        self.head = nn.Linear(64, classes)

    def classify(self, h):
        return F.softmax(self.head(h), dim=1)
"""

TRAIN = """\
import torch
import torch.nn as nn

from models import Net

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for x, y in []:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""


def check(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["check", "--isolated", "--output-format", "json", "-j", "1", *args],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def codes(findings: list[dict]) -> set[tuple[str, str]]:
    return {(Path(item["filename"]).as_posix(), item["code"]) for item in findings}


def line_of(root: Path, name: str, text: str) -> int:
    return next(number for number, line in enumerate((root / name).read_text().splitlines(), 1) if text in line)


# ------------------------------------------------------------- (a) base classes


def test_inherited_forward_dispatches_to_the_subclass_head_in_another_file(empty_project):
    write(empty_project, "base.py", BASE)
    write(empty_project, "models.py", MODELS)
    write(empty_project, "train.py", TRAIN)
    findings = check(".")
    assert codes(findings) == {("train.py", "NNL101")}
    (finding,) = findings
    assert "Net's output, produced at models.py:13" in finding["message"]


def test_the_subclass_file_itself_knows_its_inherited_forward(empty_project):
    # The same training loop in the file of the subclass: its class is resolved by the join
    # like an imported one, as it would be with `forward` written in the class.
    write(empty_project, "base.py", BASE)
    loop = TRAIN.split("model = Net()", 1)[1]
    write(empty_project, "models.py", MODELS + "\n\nimport torch\n\nmodel = Net()" + loop)
    assert codes(check(".")) == {("models.py", "NNL101")}
    inline = MODELS.replace("    def classify(self, h):", "    def forward(self, x):\n"
                            "        return self.classify(x)\n\n    def classify(self, h):")
    write(empty_project, "models.py", inline.replace("from base import BaseNet", "from torch.nn import Module as BaseNet")
          + "\n\nimport torch\n\nmodel = Net()" + loop)
    assert codes(check(".")) == {("models.py", "NNL101")}


def test_the_same_base_and_subclass_in_one_file_dispatch_alike(empty_project):
    body = BASE + MODELS.split("from base import BaseNet", 1)[1] + "\n\nimport torch\n\nmodel = Net()" \
        + TRAIN.split("model = Net()", 1)[1]
    write(empty_project, "one.py", body)
    assert codes(check(".")) == {("one.py", "NNL101")}
    write(empty_project, "one.py", body.replace("return F.softmax(self.head(h), dim=1)", "return self.head(h)"))
    assert check(".") == []


def test_subclass_head_returning_logits_stays_silent(empty_project):
    write(empty_project, "base.py", BASE)
    write(empty_project, "models.py", MODELS.replace("return F.softmax(self.head(h), dim=1)", "return self.head(h)"))
    write(empty_project, "train.py", TRAIN)
    assert check(".") == []


def test_base_class_reexported_by_a_package(empty_project):
    write(empty_project, "nets/__init__.py", "from .base import BaseNet\n")
    write(empty_project, "nets/base.py", BASE)
    write(empty_project, "models.py", MODELS.replace("from base import BaseNet", "from nets import BaseNet"))
    write(empty_project, "train.py", TRAIN)
    assert codes(check(".")) == {("train.py", "NNL101")}


def test_softmax_in_the_inherited_forward_reaches_a_subclass_without_forward(empty_project):
    # The base ends in softmax itself; the subclass in another file only adds layers.
    write(empty_project, "base.py", BASE.replace("return self.classify(self.features(x))",
                                           "return self.classify(self.features(x)).softmax(dim=1)"))
    write(empty_project, "models.py", MODELS.replace("return F.softmax(self.head(h), dim=1)", "return self.head(h)"))
    write(empty_project, "train.py", TRAIN)
    findings = check(".")
    assert codes(findings) == {("train.py", "NNL101")}
    assert "produced at base.py:13" in findings[0]["message"]


def test_dropout_of_a_base_class_in_another_file_needs_eval(empty_project):
    write(empty_project, "base.py", BASE.replace("nn.ReLU())", "nn.ReLU(), nn.Dropout(0.5))"))
    write(empty_project, "models.py", MODELS)
    write(empty_project, "predict.py", """\
        import torch
        from models import Net


        def predict(x):
            model = Net()
            model.load_state_dict(torch.load("net.pt"))
            with torch.no_grad():
                return model(x).argmax(1)
        """)
    # NNL502 is opt-in; what is tested is that the join gives it the base's dropout.
    assert ("predict.py", "NNL502") in codes(check("--extend-select", "NNL502", "predict.py"))
    write(empty_project, "base.py", BASE)  # neither dropout nor batch-norm anywhere in the lineage
    assert ("predict.py", "NNL502") not in codes(check("--extend-select", "NNL502", "predict.py"))


# ------------------------------------------------------------- (b) loss wrappers

LOSSES = """\
import torch.nn as nn
import torch.nn.functional as F


class SmoothedCE(nn.Module):
    def __init__(self, smoothing=0.1):
        super().__init__()
        self.smoothing = smoothing

    def forward(self, logits, target):
        return F.cross_entropy(logits, target, label_smoothing=self.smoothing)


def weighted_ce(logits, target, weight=None):
    return F.cross_entropy(logits.view(-1, logits.size(-1)), target.view(-1), weight=weight)


def mixed(pred, target):
    return F.cross_entropy(pred, target) + F.mse_loss(pred, target)
"""

WRAPPED_TRAIN = """\
import torch
import torch.nn as nn
import torch.nn.functional as F

from losses import SmoothedCE, mixed, weighted_ce

net = nn.Sequential(nn.Linear(8, 4))
criterion = SmoothedCE()
optimizer = torch.optim.Adam(net.parameters())
for x, y in []:
    optimizer.zero_grad()
    probs = F.softmax(net(x), dim=1)
    loss = {call}
    loss.backward()
    optimizer.step()
"""


@pytest.mark.parametrize("call", ["criterion(probs, y)", "weighted_ce(probs, y)", "weighted_ce(logits=probs, target=y)"])
def test_softmax_into_another_files_cross_entropy_wrapper(empty_project, call):
    write(empty_project, "losses.py", LOSSES)
    write(empty_project, "train.py", WRAPPED_TRAIN.format(call=call))
    findings = check(".")
    assert codes(findings) == {("train.py", "NNL101")}
    assert findings[0]["location"]["row"] == line_of(empty_project, "train.py", "F.softmax(")


@pytest.mark.parametrize("call", ["criterion(net(x), y)", "mixed(probs, y)"])
def test_logits_into_a_wrapper_or_a_sum_of_two_losses_stay_silent(empty_project, call):
    write(empty_project, "losses.py", LOSSES)
    write(empty_project, "train.py", WRAPPED_TRAIN.format(call=call))
    assert ("train.py", "NNL101") not in codes(check("."))


def test_a_wrapper_that_normalizes_its_input_itself_is_not_a_cross_entropy(empty_project):
    write(empty_project, "losses.py", LOSSES.replace("F.cross_entropy(logits, target, label",
                                               "F.nll_loss(F.log_softmax(logits, 1), target, label"))
    write(empty_project, "train.py", WRAPPED_TRAIN.format(call="criterion(probs, y)"))
    assert check(".") == []


# ------------------------------------------------------------- (c) pipelines

TRAINING = """\
import torch
import torchvision
from torchvision import transforms

train_tf = transforms.Compose([transforms.RandomCrop(224), transforms.ToTensor(),
                               transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])


def build_model():
    return torchvision.models.resnet18(num_classes=3)


def fit(model, dataset):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in torch.utils.data.DataLoader(dataset, batch_size=8):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
"""

PREDICT = """\
import torch
from PIL import Image
from torchvision import transforms

from training import build_model

model = build_model()
model.load_state_dict(torch.load("model.pt"))
model.eval()
prepare = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor()])


@torch.no_grad()
def predict(path):
    return model(prepare(Image.open(path)).unsqueeze(0)).argmax(1)
"""


def test_serving_pipeline_without_the_training_normalize(empty_project):
    write(empty_project, "training.py", TRAINING)
    write(empty_project, "predict.py", PREDICT)
    findings = check(".", "--extend-select", "NNL501")
    assert codes(findings) == {("predict.py", "NNL501")}
    (finding,) = findings
    assert finding["location"]["row"] == line_of(empty_project, "predict.py", "prepare = ")
    assert f"training.py:{line_of(empty_project, 'training.py', 'transforms.Normalize(')}" in finding["message"]


@pytest.mark.parametrize("training, predict", [
    # The serving pipeline normalizes too.
    (TRAINING, PREDICT.replace("transforms.ToTensor()])", "transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])")),
    # Training does not normalize either.
    (TRAINING.replace(",\n                               transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])", ""),
     PREDICT),
    # The serving script imports nothing from the training code: not clearly the same model.
    (TRAINING, PREDICT.replace("from training import build_model", "from torchvision.models import resnet18 as build_model")),
    # A pipeline built but never applied to what is predicted (a thumbnail for display).
    (TRAINING, PREDICT.replace("model(prepare(Image.open(path))", "model(torch.load(path)")),
])
def test_pipelines_that_are_not_clearly_the_same_models_stay_silent(empty_project, training, predict):
    write(empty_project, "training.py", training)
    write(empty_project, "predict.py", predict)
    assert ("predict.py", "NNL501") not in codes(check(".", "--extend-select", "NNL501"))


# ------------------------------------------------------------- (d) positions


def test_a_finding_placed_in_another_file_does_not_parse_that_file_again(empty_project, monkeypatch):
    write(empty_project, "base.py", BASE)
    write(empty_project, "models.py", "\n\n" + MODELS)  # the softmax moves to line 15
    write(empty_project, "train.py", TRAIN)
    parsed: list[str] = []
    real = nnlint.lint.parse_source

    def counting(text, *args, **kwargs):
        parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(nnlint.lint, "parse_source", counting)
    # Only train.py is reported: models.py is read for its summary (its own check, once) and
    # not checked with the join, which a reported file deriving from base.py would be.
    result = CliRunner().invoke(cli, ["check", "--isolated", "--no-cache", "--output-format", "json", "-j", "1",
                                      "train.py"], catch_exceptions=False)
    (finding,) = json.loads(result.stdout)
    models_text = (empty_project / "models.py").read_text()
    assert parsed.count(models_text) == 1  # its own check only, not again to place the softmax
    assert "produced at models.py:15" in finding["message"]
    result = CliRunner().invoke(cli, ["check", "--isolated", "--no-cache", "--output-format", "sarif", "-j", "1",
                                      "train.py"],
                                catch_exceptions=False)
    related = json.loads(result.stdout)["runs"][0]["results"][0]["relatedLocations"]
    regions = [item["physicalLocation"]["region"] for item in related
               if item["physicalLocation"]["artifactLocation"]["uri"].endswith("models.py")]
    assert regions and regions[0]["startLine"] == 15 and regions[0]["startColumn"] == 16


# ------------------------------------------------------------- (e) cache


def test_editing_the_base_class_file_invalidates_the_importers_findings(empty_project):
    write(empty_project, "base.py", BASE)
    write(empty_project, "models.py", MODELS)
    write(empty_project, "train.py", TRAIN)
    assert codes(check("train.py")) == {("train.py", "NNL101")}
    # The base's forward no longer calls the head the subclass overrides: it returns the
    # features, which end in a ReLU (train.py itself did not change).
    write(empty_project, "base.py", BASE.replace("return self.classify(self.features(x))", "return self.features(x)"))
    assert codes(check("train.py")) == {("train.py", "NNL108")}
    write(empty_project, "base.py", BASE)
    assert codes(check("train.py")) == {("train.py", "NNL101")}


# ------------------------------------------------------------- (f) inherited layers

LAYERS_BASE = """\
import torch.nn as nn


class BaseMLP(nn.Module):
    def __init__(self, d_in=8, d_hidden=16, d_out=2):
        super().__init__()
        self.fc1 = nn.Linear(d_in, d_hidden)
        self.fc2 = nn.Linear(d_hidden, d_out)
        self.drop = nn.Dropout(0.1)
"""


@pytest.mark.parametrize("forward, expected", [
    # The base in base.py builds two Linear layers; the subclass's forward stacks them with
    # only a dropout between: the same NNL401 as with the layers built in the subclass.
    ("return self.fc2(self.drop(self.fc1(x)))", {("model.py", "NNL401")}),
    ("return self.fc2(torch.relu(self.fc1(x)))", set()),
    # The subclass replaces fc1 by a non-linear block of its own.
    ("return self.fc2(self.fc1(x))", set()),
])
def test_a_forward_applying_layers_a_base_in_another_file_builds(empty_project, forward, expected):
    write(empty_project, "base.py", LAYERS_BASE)
    own_init = ("    def __init__(self):\n        super().__init__()\n"
                "        self.fc1 = nn.Sequential(nn.Linear(8, 16), nn.GELU())\n\n") if "fc2(self.fc1" in forward else ""
    write(empty_project, "model.py", "import torch\nimport torch.nn as nn\n\nfrom base import BaseMLP\n\n\n"
          f"class Head(BaseMLP):\n{own_init}    def forward(self, x):\n        {forward}\n")
    assert codes(check("--extend-select", "NNL401", ".")) == expected


@pytest.mark.parametrize("inits, expected", [
    # Both Linear layers the base builds set to one constant: the units stay identical.
    (("fc1", "fc2"), {("model.py", "NNL301")}),
    # Only the last layer zero-initialized (a common, harmless choice).
    (("fc2",), set()),
])
def test_constant_init_of_layers_a_base_in_another_file_builds(empty_project, inits, expected):
    write(empty_project, "base.py", LAYERS_BASE)
    lines = "".join(f"        nn.init.constant_(self.{name}.weight, 0.5)\n" for name in inits)
    write(empty_project, "model.py", "import torch.nn as nn\n\nfrom base import BaseMLP\n\n\nclass Net(BaseMLP):\n"
          "    def __init__(self):\n        super().__init__(8, 16, 2)\n" + lines)
    assert codes(check(".")) == expected


# ------------------------------------------------------------- (g) optimizer and scheduler factories

FACTORIES = """\
import torch


def build_optimizer(model, cfg):
    return torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)


def build_scheduler(optimizer, cfg):
    if cfg.get("warmup"):
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    else:
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.5)
    return scheduler


def build_onecycle(optimizer, total):
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=total)


def build_any(optimizer, name):
    if name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, 30)
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)
"""

FACTORY_TRAIN = """\
import torch
import torch.nn as nn

from optim_utils import build_optimizer, {factory}

cfg = {{"lr": 0.1}}
model = nn.Linear(10, 2)
optimizer = build_optimizer(model, cfg)
scheduler = {factory}(optimizer, {argument})
for epoch in range(90):
    for x, y in []:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        scheduler.step()
"""


@pytest.mark.parametrize("factory, argument, expected", [
    # An epoch scheduler built in another file, stepped every batch here.
    ("build_scheduler", "cfg", {("train.py", "NNL606")}),
    # A per-batch scheduler (OneCycleLR) from the same file: stepping it every batch is right.
    ("build_onecycle", "1000", set()),
    # A factory returning either kind by its configuration is neither.
    ("build_any", "'step'", set()),
])
def test_scheduler_built_by_a_factory_in_another_file(empty_project, factory, argument, expected):
    write(empty_project, "optim_utils.py", FACTORIES)
    write(empty_project, "train.py", FACTORY_TRAIN.format(factory=factory, argument=argument))
    assert codes(check(".", "--extend-select", "NNL606")) == expected


def test_the_summary_says_which_factories_build_what(empty_project):
    from nnlint.lint import check_source

    exports = check_source(FACTORIES.encode(), "optim_utils.py", frozenset({"NNL606"})).exports
    assert exports.constructions["build_optimizer"]["qualified"] == "torch.optim.SGD"
    assert exports.constructions["build_optimizer"]["model_param"] == 0
    assert exports.constructions["build_scheduler"]["qualified"] == "torch.optim.lr_scheduler.StepLR"
    assert exports.constructions["build_onecycle"]["kind"] == "scheduler"
    assert "build_any" not in exports.constructions


# ------------------------------------------------------------- (h) init functions of another file

INIT_HELPERS = """\
import torch.nn as nn


def constant_init(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.5)
        nn.init.zeros_(m.bias)


def xavier_init(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
"""

APPLYING = """\
import torch.nn as nn

from init_utils import {function}


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
{second}
model = MLP()
model.apply({function})
"""


@pytest.mark.parametrize("function, second, expected", [
    # Two Linear layers here, every one set to 0.5 by the helper in init_utils.py.
    ("constant_init", "        self.fc2 = nn.Linear(20, 2)\n", {("train.py", "NNL301")}),
    # A random init from the same file.
    ("xavier_init", "        self.fc2 = nn.Linear(20, 2)\n", set()),
    # One Linear layer only: a lone constant layer is not symmetric.
    ("constant_init", "", set()),
])
def test_an_init_function_of_another_file_applied_here(empty_project, function, second, expected):
    write(empty_project, "init_utils.py", INIT_HELPERS)
    write(empty_project, "train.py", APPLYING.format(function=function, second=second))
    findings = check(".")
    assert codes(findings) == expected
    if expected:
        assert findings[0]["location"]["row"] == line_of(empty_project, "train.py", "model.apply(")
        assert "init_utils.py:6" in findings[0]["message"]
