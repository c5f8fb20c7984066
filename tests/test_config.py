"""[tool.nnlint]: where it is found, what it accepts, and how selection and per-file
ignores resolve. Based on NNL001/NNL002 so that it holds whatever NNL1xx rules exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnlint.config import Config, ConfigError, find_config_file, load_config, read_config
from nnlint.rules import rules_by_code
from nnlint.selection import (
    DEFAULT_LAYER,
    PerFileIgnores,
    SelectionLayer,
    UnknownSelectorError,
    codes_matching,
    known_codes,
    resolve_selection,
)

NNL0 = frozenset(code for code in known_codes() if code.startswith("NNL0"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, body: str) -> str:
    path = write(tmp_path / "pyproject.toml", body)
    with pytest.raises(ConfigError) as caught:
        read_config(str(path))
    message = str(caught.value)
    assert str(path) in message, message
    return message


# -- finding the file ---------------------------------------------------------------------


def test_nearest_pyproject_with_the_table_wins(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.nnlint]\nignore = ['NNL002']\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")  # no table: passed over
    write(tmp_path / "pkg" / "src" / "model.py", "import torch\n")
    assert find_config_file(str(tmp_path / "pkg" / "src" / "model.py")) == str(tmp_path / "pyproject.toml")
    write(tmp_path / "pkg" / "pyproject.toml", "[tool.nnlint]\n")
    assert find_config_file(str(tmp_path / "pkg" / "src")) == str(tmp_path / "pkg" / "pyproject.toml")


def test_search_starts_at_the_first_path(tmp_path):
    write(tmp_path / "a" / "pyproject.toml", "[tool.nnlint]\nignore = ['NNL002']\n")
    write(tmp_path / "b" / "pyproject.toml", "[tool.nnlint]\nignore = ['NNL001']\n")
    config = load_config(["b/x.py", "a"], cwd=str(tmp_path))
    assert config.ignore == ("NNL001",)
    assert config.root == str(tmp_path / "b")


def test_no_config_means_defaults_rooted_at_cwd(tmp_path):
    config = load_config([], cwd=str(tmp_path))
    # Nothing above a pytest tmp dir is expected to configure nnlint.
    if config.path is None:
        assert config == Config(root=str(tmp_path))


def test_explicit_config_and_isolated(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.nnlint]\nignore = ['NNL001']\n")
    other = write(tmp_path / "conf" / "nnlint.toml", "[tool.nnlint]\nignore = ['NNL002']\n")
    assert load_config(["."], cwd=str(tmp_path)).ignore == ("NNL001",)
    explicit = load_config(["."], config_file=str(other), cwd=str(tmp_path))
    assert explicit.ignore == ("NNL002",) and explicit.root == str(tmp_path / "conf")
    isolated = load_config(["."], isolated=True, cwd=str(tmp_path))
    assert isolated == Config(root=str(tmp_path))
    with pytest.raises(ConfigError, match="--isolated"):
        load_config(["."], config_file=str(other), isolated=True, cwd=str(tmp_path))
    with pytest.raises(ConfigError, match="not found: .*missing.toml"):
        load_config(["."], config_file=str(tmp_path / "missing.toml"), cwd=str(tmp_path))
    bare = write(tmp_path / "bare.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"no \[tool.nnlint\] table in .*bare.toml"):
        load_config(["."], config_file=str(bare), cwd=str(tmp_path))


# -- reading it ---------------------------------------------------------------------------


def test_every_key_is_read(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
[tool.nnlint]
select = ["NNL0"]
extend-select = ["NNL001"]
ignore = ["NNL002"]
exclude = ["legacy"]
extend-exclude = ["gen/"]
respect-gitignore = false
force-exclude = true

[tool.nnlint.per-file-ignores]
"tests/*" = ["NNL001"]

[tool.nnlint.rules]

[tool.nnlint.dynamic]
timeout = 30

[tool.nnlint.dynamic.models."pkg.model:Net"]
args = [784, 10]
input = [1, 3, 32, 32]
""")
    config = read_config(str(path))
    assert config.path == str(path) and config.root == str(tmp_path)
    assert config.select == ("NNL0",)
    assert config.extend_select == ("NNL001",)
    assert config.ignore == ("NNL002",)
    assert config.exclude == ("legacy",)
    assert config.extend_exclude == ("gen/",)
    assert config.respect_gitignore is False and config.force_exclude is True
    assert config.per_file_ignores == {"tests/*": ("NNL001",)}
    assert config.dynamic.timeout == 30.0
    spec = config.dynamic.models["pkg.model:Net"]
    assert spec.args == (784, 10) and spec.inputs == ((1, 3, 32, 32),)


def test_unknown_key_names_key_and_file(tmp_path):
    message = config_error(tmp_path, "[tool.nnlint]\nselekt = ['NNL001']\n")
    assert message.startswith("unknown key 'selekt' in [tool.nnlint] of ")
    assert "did you mean 'select'" in message


@pytest.mark.parametrize(
    "body, key",
    [
        ("select = 'NNL001'", "select"),
        ("ignore = [1]", "ignore"),
        ("extend-select = {}", "extend-select"),
        ("exclude = 'build'", "exclude"),
        ("respect-gitignore = 'no'", "respect-gitignore"),
        ("force-exclude = 1", "force-exclude"),
        ("per-file-ignores = ['x']", "per-file-ignores"),
        ("rules = 3", "rules"),
        ("dynamic = 'yes'", "dynamic"),
    ],
)
def test_wrong_type_names_key_and_file(tmp_path, body, key):
    message = config_error(tmp_path, f"[tool.nnlint]\n{body}\n")
    assert f"'{key}'" in message


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore"])
def test_unknown_code_names_code_key_and_file(tmp_path, key):
    message = config_error(tmp_path, f"[tool.nnlint]\n{key} = ['NNL001', 'NNL999']\n")
    assert "'NNL999'" in message and f"'{key}'" in message


def test_unknown_code_in_per_file_ignores(tmp_path):
    message = config_error(tmp_path, "[tool.nnlint.per-file-ignores]\n'tests/*' = ['XYZ1']\n")
    assert "'XYZ1'" in message and "'tests/*'" in message


def test_lower_case_code_gets_a_hint(tmp_path):
    message = config_error(tmp_path, "[tool.nnlint]\nselect = ['nnl001']\n")
    assert "'nnl001'" in message and "'NNL001'" in message


def test_invalid_toml(tmp_path):
    message = config_error(tmp_path, "[tool.nnlint]\nselect = [\n")
    assert message.startswith("invalid TOML in ")


def test_invalid_toml_while_searching(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.nnlint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        find_config_file(str(tmp_path))


def test_rule_options(tmp_path, monkeypatch):
    message = config_error(tmp_path, "[tool.nnlint.rules.NNL999]\nmax-depth = 3\n")
    assert "unknown rule code 'NNL999'" in message
    message = config_error(tmp_path, "[tool.nnlint.rules.NNL001]\nmax-depth = 3\n")
    assert "unknown option 'max-depth'" in message and "[tool.nnlint.rules.NNL001]" in message
    message = config_error(tmp_path, "[tool.nnlint.rules]\nNNL001 = 3\n")
    assert "'NNL001'" in message

    # A rule that declares options accepts them, type-checked.
    monkeypatch.setattr(rules_by_code()["NNL001"], "options", {"max-depth": int}, raising=False)
    path = write(tmp_path / "pyproject.toml", "[tool.nnlint.rules.NNL001]\nmax-depth = 12\n")
    assert read_config(str(path)).rule_options == {"NNL001": {"max-depth": 12}}
    message = config_error(tmp_path, "[tool.nnlint.rules.NNL001]\nmax-depth = true\n")
    assert "'max-depth'" in message and "int" in message


@pytest.mark.parametrize("code, option, value, expected", [
    ("NNL402", "max-depth", "0", "a positive number, not 0"),
    ("NNL601", "adam-max-lr", "-1e-3", "a positive number, not -0.001"),
    ("NNL601", "sgd-min-lr", "nan", "a positive number, not nan"),
    ("NNL601", "sgd-max-lr", "inf", "a positive number, not inf"),
    ("NNL902", "dead-fraction", "1.5", "at most 1.0, not 1.5"),
    ("NNL904", "steps", "-100", "a positive number, not -100"),
])
def test_out_of_range_rule_options_are_errors(tmp_path, code, option, value, expected):
    message = config_error(tmp_path, f"[tool.nnlint.rules.{code}]\n{option} = {value}\n")
    assert message.endswith(f"option {option!r} in [tool.nnlint.rules.{code}] of {tmp_path / 'pyproject.toml'} "
                            f"must be {expected}"), message


# -- selection ----------------------------------------------------------------------------


def selected(*layers: SelectionLayer) -> frozenset[str]:
    return resolve_selection([DEFAULT_LAYER, *layers])


def test_default_is_every_rule_but_the_opt_in_ones():
    from nnlint.rules import all_rules

    opt_in = {rule.code for rule in all_rules() if not rule.default_enabled}
    assert {"NNL003", "NNL601", "NNL602", "NNL604", "NNL612"} <= opt_in
    assert selected() == frozenset(known_codes()) - opt_in
    for code in opt_in:
        assert code in selected(SelectionLayer(extend_select=(code,)))
        assert code in selected(SelectionLayer(select=("ALL",)))
    assert {"NNL001", "NNL002"} <= selected()


def test_prefixes_and_all():
    assert codes_matching("ALL") == frozenset(known_codes())
    assert codes_matching("NNL") == frozenset(known_codes())
    assert codes_matching("NNL0") == NNL0
    assert codes_matching("NNL001") == {"NNL001"}
    for bad in ("NNL999", "NNL7", "N", "nnl", "E501", ""):
        with pytest.raises(UnknownSelectorError):
            codes_matching(bad)


def test_more_specific_wins_and_ties_go_to_ignore():
    assert selected(SelectionLayer(select=["NNL0"], ignore=["NNL001"])) == NNL0 - {"NNL001"}
    assert selected(SelectionLayer(select=["NNL001"], ignore=["NNL0"])) == {"NNL001"}
    assert selected(SelectionLayer(select=["NNL001"], ignore=["NNL001"])) == frozenset()
    assert selected(SelectionLayer(ignore=["ALL"], extend_select=["NNL002"])) == {"NNL002"}


def test_command_line_layer_overrides_config_layer():
    config = SelectionLayer(select=["NNL0"], ignore=["NNL001"])
    # --select replaces the whole selection of the file, its ignores included.
    assert selected(config, SelectionLayer(select=["NNL001"])) == {"NNL001"}
    # --extend-select and --ignore adjust what the file selected.
    assert selected(config, SelectionLayer(extend_select=["NNL001"])) == NNL0
    assert selected(config, SelectionLayer(ignore=["NNL002"])) == NNL0 - {"NNL001", "NNL002"}
    assert selected(SelectionLayer(ignore=["NNL0"]), SelectionLayer(extend_select=["NNL001"])) == (
        selected() - NNL0 | {"NNL001"}
    )


# -- per-file ignores ---------------------------------------------------------------------


def test_per_file_ignores_match_relative_path_and_basename(tmp_path):
    root = str(tmp_path)
    ignores = PerFileIgnores(
        {"tests/*": ["NNL001"], "conftest.py": ["NNL002"], "**/gen_*.py": ["NNL0"], "!src/**": ["NNL002"]},
        root,
    )

    def ignored(*parts: str) -> frozenset[str]:
        return ignores.ignored_codes(os.path.join(root, *parts))

    assert ignored("tests", "test_a.py") >= {"NNL001"}
    assert "NNL001" in ignored("tests", "deep", "test_b.py")  # `*` also crosses `/`, as in ruff
    assert "NNL001" not in ignored("src", "tests_x.py")
    assert ignored("src", "pkg", "conftest.py") == {"NNL002"}
    assert ignored("gen_top.py") >= NNL0 and ignored("src", "gen_x.py") == NNL0
    assert ignored("src", "model.py") == frozenset()  # the negated glob spares src/
    assert ignored("scripts", "run.py") == {"NNL002"}


def test_per_file_ignores_relative_to_root_not_cwd(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    ignores = PerFileIgnores({"sub/*.py": ["NNL001"]}, str(tmp_path))
    assert ignores.ignored_codes("x.py") == {"NNL001"}
    assert ignores.ignored_codes(os.path.join("..", "x.py")) == frozenset()


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[tool.nnlint.dynamic]\ntimout = 5\n", "unknown key 'timout' in [tool.nnlint.dynamic]"),
        ("[tool.nnlint.dynamic]\ntimeout = -1\n", "'timeout' in [tool.nnlint.dynamic]"),
        ("[tool.nnlint.dynamic]\nmemory-mb = 'lots'\n", "'memory-mb' in [tool.nnlint.dynamic]"),
        ("[tool.nnlint.dynamic.models.Net]\nargs = [1]\n", "must be written \"pkg.module:Name\""),
        ('[tool.nnlint.dynamic.models."m:Net"]\ninputs = [4, 10]\n', "unknown key 'inputs'"),
        ('[tool.nnlint.dynamic.models."m:Net"]\ninput = [4, 0]\n', "'input' in [tool.nnlint.dynamic.models.\"m:Net\"]"),
        ('[tool.nnlint.dynamic.models."m:Net"]\ndtype = "float"\n', "'dtype'"),
    ],
)
def test_dynamic_table_is_validated(tmp_path, body, expected):
    message = config_error(tmp_path, body)
    assert expected in message and "pyproject.toml" in message
