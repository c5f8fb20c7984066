"""Rules from other packages (the `nnlint.rules` entry-point group), as their users see them.

The example plugin of examples/plugin-rules is built and installed for real (pip, into a
folder put on PYTHONPATH), so the documented pyproject is what is tested; broken plugins are
hand-made distributions. Every run is a subprocess: the registry loads plugins once per process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1]
EXAMPLE = HERE / "examples" / "plugin-rules"
BAD = "import torch\nstate = torch.load('m.pt')\n"
GOOD = "import torch\nstate = torch.load('m.pt', weights_only=True)\n"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    # Built from a copy: setuptools leaves build/ and *.egg-info beside the sources it builds.
    source = tmp_path_factory.mktemp("plugin") / "plugin-rules"
    shutil.copytree(EXAMPLE, source)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                           "--no-index", "--target", str(target), str(source)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return target


def fake_plugin(root: Path, entry: str, module: str = "", name: str = "fake_rules") -> Path:
    """A distribution `fake` whose entry point is `entry`, with `module` as fake_rules.py."""
    info = root / "fake-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[nnlint.rules]\nfake = {entry}\n")
    if module:
        (root / f"{name}.py").write_text(module)
    return root


def run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(HERE)])}
    return subprocess.run([sys.executable, "-m", "nnlint", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def test_an_installed_plugin_rule_reports_and_is_selected_like_nnlints_own(installed, tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "good.py").write_text(GOOD)
    done = run(installed, tmp_path, "check", "--isolated", "--no-cache", ".")
    assert done.returncode == 1
    assert "bad.py:2:9: ACM101 torch.load without weights_only" in done.stdout
    assert "good.py" not in done.stdout
    assert run(installed, tmp_path, "check", "--isolated", "--no-cache", "--ignore", "ACM", ".").returncode == 0
    only = run(installed, tmp_path, "check", "--isolated", "--no-cache", "--select", "ACM101", "bad.py")
    assert only.returncode == 1 and "ACM101" in only.stdout
    # A selector must carry a code's whole letter part: "AC" is a typo, not a prefix.
    typo = run(installed, tmp_path, "check", "--isolated", "--no-cache", "--select", "AC", ".")
    assert typo.returncode == 2 and "unknown rule code or prefix 'AC'" in typo.stderr


def test_plugin_codes_are_suppressed_and_judged_by_nnl003(installed, tmp_path):
    (tmp_path / "a.py").write_text("import torch\nstate = torch.load('m.pt')  # noqa: ACM101\n"
                                   "ok = torch.load('n.pt', weights_only=True)  # noqa: ACM101\n")
    done = run(installed, tmp_path, "check", "--isolated", "--no-cache", "--extend-select", "NNL003", "a.py")
    assert "a.py:2" not in done.stdout
    assert "a.py:3:" in done.stdout and "NNL003" in done.stdout and "no ACM101 finding" in done.stdout


def test_plugin_rules_are_in_the_rule_listing_and_in_sarif_with_their_own_page(installed, tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    shown = run(installed, tmp_path, "rule", "ACM101")
    assert shown.returncode == 0 and "# ACM101: torch-load-without-weights-only" in shown.stdout
    sarif = json.loads(run(installed, tmp_path, "check", "--isolated", "--no-cache",
                           "--output-format", "sarif", ".").stdout)
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ACM101"]["helpUri"] == "https://example.org/acme/nnlint-rules#acm101"
    assert [result["ruleId"] for result in sarif["runs"][0]["results"]] == ["ACM101"]


def test_editing_a_plugin_invalidates_the_cache(tmp_path):
    site = fake_plugin(tmp_path / "site", "fake_rules", (EXAMPLE / "acme_nnlint_rules.py").read_text())
    project = tmp_path / "project"
    project.mkdir()
    (project / "bad.py").write_text(BAD)
    first = run(site, project, "check", "--isolated", ".")
    assert "say weights_only=True" in first.stdout
    module = site / "fake_rules.py"
    module.write_text(module.read_text().replace("say weights_only=True", "pass weights_only"))
    second = run(site, project, "check", "--isolated", ".")
    assert "pass weights_only" in second.stdout and "say weights_only=True" not in second.stdout


@pytest.mark.parametrize(("entry", "module", "says"), [
    ("missing_module", "", "cannot be loaded: ModuleNotFoundError"),
    ("fake_rules", "x = 1\n", "defines no nnlint Rule subclass"),
    ("fake_rules", "from nnlint.api import Rule\nclass R(Rule):\n    code = 'NNL999'\n    name = 'n'\n"
                   "    summary = 's'\n    def check(self, facts, report):\n        pass\n",
     "uses nnlint's own prefix NNL"),
    ("fake_rules", "from nnlint.api import Rule\nclass R(Rule):\n    code = 'FAK101'\n    name = 'n'\n"
                   "    summary = 's'\n", "does not define check"),
])
def test_a_broken_plugin_stops_the_run_with_a_message_naming_it(tmp_path, entry, module, says):
    site = fake_plugin(tmp_path / "site", entry, module)
    (tmp_path / "a.py").write_text(BAD)
    done = run(site, tmp_path, "check", "--isolated", "--no-cache", "a.py")
    assert done.returncode == 2
    assert "rule plugin 'fake' (fake 0.1" in done.stderr and says in done.stderr
    assert "Traceback" not in done.stderr


def test_a_plugin_rule_that_raises_is_named_and_the_other_rules_still_report(tmp_path):
    raising = ("from nnlint.api import Rule\nclass R(Rule):\n    code = 'FAK101'\n    name = 'n'\n"
               "    summary = 's'\n    def check(self, facts, report):\n        raise KeyError('boom')\n")
    site = fake_plugin(tmp_path / "site", "fake_rules", raising)
    (tmp_path / "a.py").write_text("import torch.nn as nn\nhead = nn.Softmax()\n")
    done = run(site, tmp_path, "check", "--isolated", "--no-cache", "a.py")
    assert done.returncode == 2
    assert "rule FAK101 of plugin fake 0.1 failed: KeyError: 'boom'" in done.stderr
    assert "please report" not in done.stderr and "Traceback" not in done.stderr
    assert "a.py:2:8: NNL107" in done.stdout
