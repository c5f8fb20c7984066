"""Cross-file findings: a model in one file, the loss that misuses its output in another."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnlint.cli import cli
from tests.project_files import write

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases"

NET = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 128), nn.ReLU())
        self.head = nn.Linear(128, classes)

    def forward(self, x):
        return torch.softmax(self.head(self.body(x)), dim=1)


def build_model(classes=10):
    return Net(classes)
"""

TRAIN = """\
import torch
from torch import nn

from pkg.models import Net


def train(loader):
    model = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
"""


@pytest.fixture
def project(empty_project: Path) -> Path:
    write(empty_project, "pkg/__init__.py", "")
    write(empty_project, "pkg/models/__init__.py", "from .net import Net, build_model\n")
    write(empty_project, "pkg/models/net.py", NET)
    write(empty_project, "scripts/train.py", TRAIN)
    return empty_project


def check(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["check", "--isolated", "--output-format", "json", *args],
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def codes_by_file(findings: list[dict]) -> set[tuple[str, str]]:
    return {(Path(item["filename"]).as_posix(), item["code"]) for item in findings}


def test_model_reexported_by_package_init_is_linked_to_the_training_script(project):
    findings = check(".")
    assert codes_by_file(findings) == {("scripts/train.py", "NNL101")}
    (finding,) = findings
    assert finding["location"]["row"] == 13  # the model call that brings the softmax in
    assert "pkg/models/net.py:12" in finding["message"]
    related = finding["related"]
    assert {(Path(item["filename"]).as_posix(), item["location"]["row"]) for item in related} >= {
        ("pkg/models/net.py", 12), ("scripts/train.py", 13)}


def test_naming_only_the_training_script_still_uses_the_model_file(project):
    """What pre-commit does when only train.py changed."""
    assert codes_by_file(check("scripts/train.py")) == {("scripts/train.py", "NNL101")}


def test_only_named_files_are_reported(project):
    write(project, "pkg/models/net.py", NET + "\n\ndef probs(x):\n    return torch.nn.functional.softmax(x)\n")
    assert codes_by_file(check("scripts/train.py")) == {("scripts/train.py", "NNL101")}
    assert ("pkg/models/net.py", "NNL107") in codes_by_file(check("."))


def test_factory_function_and_module_import(project):
    write(project, "scripts/train.py", TRAIN.replace("from pkg.models import Net", "import pkg.models.net as nets")
          .replace("model = Net()", "model = nets.build_model(5)"))
    assert codes_by_file(check(".")) == {("scripts/train.py", "NNL101")}


def test_src_layout_and_relative_import(project):
    shutil.move(str(project / "pkg"), str(project / "src" / "pkg"))
    write(project, "src/pkg/train.py", TRAIN.replace("from pkg.models import Net", "from .models.net import Net"))
    found = codes_by_file(check("."))
    assert found == {("scripts/train.py", "NNL101"), ("src/pkg/train.py", "NNL101")}


def test_head_composed_into_a_model_in_a_third_file(project):
    write(project, "pkg/models/head.py", """\
        import torch
        from torch import nn

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(128, 1)

            def forward(self, x):
                return torch.sigmoid(self.fc(x))
        """)
    write(project, "pkg/models/detector.py", """\
        from torch import nn
        from .head import Head

        class Detector(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = nn.Linear(784, 128)
                self.head = Head()

            def forward(self, x):
                return {"score": self.head(self.backbone(x))}
        """)
    write(project, "scripts/train.py", """\
        import torch
        from torch import nn
        from pkg.models.detector import Detector

        def train(loader):
            model, bce = Detector(), nn.BCEWithLogitsLoss()
            for x, y in loader:
                out = model(x)
                bce(out["score"], y).backward()
        """)
    findings = check("scripts/train.py")
    assert codes_by_file(findings) == {("scripts/train.py", "NNL103")}
    assert "pkg/models/head.py:10" in findings[0]["message"]


def test_clean_lookalikes_stay_silent(project):
    logits = NET.replace("return torch.softmax(self.head(self.body(x)), dim=1)", "return self.head(self.body(x))")
    write(project, "pkg/models/net.py", logits)
    assert check(".") == []
    # A name that does not resolve inside the project (an installed library) says nothing.
    write(project, "scripts/train.py", TRAIN.replace("from pkg.models import Net", "from otherlib.models import Net"))
    assert check(".") == []


def test_module_level_classes_of_the_same_name_do_not_mix(project):
    """The training script's own `Net` wins over the imported one's name."""
    write(project, "scripts/train.py", TRAIN.replace("from pkg.models import Net\n", """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return self.fc(x)
"""))
    assert check(".") == []


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases is not beside the repository")
def test_shared_case_h07_head_and_loss_in_two_files(tmp_path, monkeypatch):
    for case in CASES.glob("h07_*.py"):
        shutil.copy(case, tmp_path / case.name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NNLINT_CACHE_DIR", str(tmp_path / "cache"))
    for named in (["."], ["h07_lanedet_double_sigmoid.py"]):
        found = codes_by_file(check(*named))
        assert found == {("h07_lanedet_double_sigmoid.py", "NNL103")}, named


def test_editing_the_model_file_rechecks_the_training_script(project):
    assert codes_by_file(check("scripts/train.py")) == {("scripts/train.py", "NNL101")}
    logits = NET.replace("return torch.softmax(self.head(self.body(x)), dim=1)", "return self.head(self.body(x))")
    write(project, "pkg/models/net.py", logits)
    assert check("scripts/train.py") == []  # train.py did not change; its cached result must not be reused
    write(project, "pkg/models/net.py", NET.replace("dim=1)", "dim=-1)"))
    assert codes_by_file(check("scripts/train.py")) == {("scripts/train.py", "NNL101")}


def test_stdin_is_linked_like_the_file_it_stands_for(project):
    source = (project / "scripts/train.py").read_bytes()
    result = CliRunner().invoke(cli, ["check", "--isolated", "--stdin-filename", "scripts/train.py"], input=source)
    assert result.exit_code == 1
    assert result.stdout.startswith("scripts/train.py:13:26: NNL101 ")


PREDICT = """\
import torch
from pkg.models import build_model


def predict(images):
    model = build_model()
    model.load_state_dict(torch.load("net.pt"))
    with torch.no_grad():
        return model(images).argmax(1)
"""


def test_inference_script_without_eval_for_a_model_with_dropout_in_another_file(project):
    write(project, "pkg/models/net.py", NET.replace("nn.ReLU())", "nn.ReLU(), nn.Dropout(0.5))"))
    write(project, "scripts/predict.py", PREDICT)
    # NNL502 is opt-in (docs/precision.md); what is tested is that the project join feeds it.
    assert ("scripts/predict.py", "NNL502") in codes_by_file(check("--extend-select", "NNL502", "scripts/predict.py"))
    write(project, "scripts/predict.py", PREDICT.replace("    with torch.no_grad():", "    model.eval()\n"
                                                                                       "    with torch.no_grad():"))
    assert check("scripts/predict.py") == []


def test_inference_script_for_a_model_without_dropout_or_batchnorm_is_fine(project):
    write(project, "scripts/predict.py", PREDICT)
    assert check("scripts/predict.py") == []
