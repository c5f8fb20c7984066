"""Snippets: forum fragments without imports, pasted with indentation, or only a class body."""

from __future__ import annotations

from nnlint.lint import lint_source, mentions_torch
from nnlint.rules import all_rules

ALL = frozenset(rule.code for rule in all_rules())


def found(source: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.start.line, d.start.column)
            for d in lint_source(source.encode(), "snippet.py", ALL) if d.code != "NNL003"]


NO_IMPORTS = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 2)
        self.out = nn.Softmax(dim=1)

    def forward(self, x):
        return self.out(self.fc(x))

model = Net()
criterion = nn.CrossEntropyLoss()
loss = criterion(model(inputs), labels)
"""


def test_a_post_without_import_lines_is_read_with_the_conventional_names() -> None:
    assert found(NO_IMPORTS) == [("NNL101", 5, 20)]


def test_a_file_that_binds_the_name_itself_gets_no_conventional_meaning() -> None:
    # `nn` is the user's own module here, not torch.nn: nothing to say about it.
    own = "from mylib import layers as nn\n" + NO_IMPORTS.replace("class Net", "x = 1\nclass Net")
    assert found(own) == []
    assigned = "F = load_features()\ny = F.softmax(z)\n"
    assert found(assigned) == []
    assert found("y = F.softmax(z)\n") == [("NNL107", 1, 5)]


def test_a_star_import_turns_the_conventional_names_off() -> None:
    assert found("from layers import *\ny = F.softmax(z)\n") == []


STAR_EVALUATION = '''from utils import *


def evaluate(model, loader):
    model.eval()
    total = 0
    {context}
        for x, y in loader:
            total += (model(x).argmax(1) == y).sum().item()
    return total
'''


def test_after_a_star_import_torch_is_still_torch() -> None:
    # `from utils import *` brings in the utils module's `import torch`: nothing else is named
    # torch, so `with torch.no_grad():` there is torch's and the evaluation needs no warning.
    assert found(STAR_EVALUATION.format(context="with torch.no_grad():")) == []
    assert found(STAR_EVALUATION.format(context="if True:")) == [("NNL506", 9, 23)]
    assert found("from layers import *\ny = nn.functional.softmax(z)\n") == [("NNL107", 2, 5)]


def test_the_pre_parse_skip_keeps_files_that_use_the_aliases() -> None:
    assert mentions_torch(b"y = F.softmax(z)\n")
    assert mentions_torch(b"opt = optim.SGD(p, lr=1)\n")
    assert mentions_torch("layer = nn.Linear(2, 2)\n")
    assert mentions_torch(b"import torch\n")
    assert mentions_torch(b"for x in data:\n    loss.backward()\n")
    # A pasted evaluation helper: nn.Module.eval takes no arguments.
    assert mentions_torch(b"def validate(model, loader):\n    model.eval()\n")
    assert not mentions_torch(b"value = expression.eval(env)\nresult = eval(code)\n")
    # An attribute or a longer name is not the alias.
    assert not mentions_torch(b"x = self.nn.value\ny = ANF.x\nz = fnn.y\n")
    assert not mentions_torch(b"print('hello')\n")


def test_a_fix_never_writes_an_assumed_name() -> None:
    # NNL202's fix for log(sigmoid) names logsigmoid by an imported spelling: `F` is only
    # assumed here, so the fix spells it through the imported `torch`.
    source = b"import torch\ny = torch.log(torch.sigmoid(z))\n"
    diagnostics = lint_source(source, "s.py", frozenset({"NNL202"}))
    assert [d.code for d in diagnostics] == ["NNL202"]
    assert "torch.nn.functional.logsigmoid" in diagnostics[0].fix.message
    imported = b"import torch.nn.functional as F\n" + source
    assert "F.logsigmoid" in lint_source(imported, "s.py", frozenset({"NNL202"}))[0].fix.message


INDENTED = """\
    def forward(self, x):
        x = self.fc1(x)
        return F.softmax(x)
"""


def test_a_fragment_indented_as_a_block_is_read_with_its_own_columns() -> None:
    assert found(INDENTED) == [("NNL107", 3, 16)]


def test_an_indented_fragment_with_a_syntax_error_reports_it_in_place() -> None:
    broken = "    x = torch.log(p)\n    y = (\n"
    codes = found(broken)
    assert [code for code, _, _ in codes] == ["NNL001"]
    assert codes[0][1] == 2


CLASS_BODY = """\
def __init__(self):
    super().__init__()
    self.layers = [nn.Linear(10, 10) for _ in range(3)]
    self.head = nn.Linear(10, 2)

def forward(self, x):
    for layer in self.layers:
        x = torch.relu(layer(x))
    return self.head(x)
"""


def test_a_fragment_that_is_only_a_class_body_is_read_as_a_model() -> None:
    assert found(CLASS_BODY) == [("NNL302", 3, 19)]
    # Indented as well (copied from inside the class).
    indented = "".join("    " + line if line.strip() else line for line in CLASS_BODY.splitlines(True))
    assert found(indented) == [("NNL302", 3, 23)]


def test_plain_functions_taking_other_parameters_are_not_made_a_class() -> None:
    functions = "def __init__(config):\n    layers = [nn.Linear(2, 2)]\n    return layers\n"
    assert found(functions) == []


def test_code_after_the_methods_keeps_its_lines() -> None:
    source = CLASS_BODY + "\nprobs = F.softmax(logits)\n"
    assert found(source) == [("NNL302", 3, 19), ("NNL107", 11, 9)]


def test_an_ordinary_module_is_unchanged() -> None:
    source = "import torch\nimport torch.nn.functional as F\n\n\ndef f(x):\n    return F.softmax(x)\n"
    assert found(source) == [("NNL107", 6, 12)]


SCRIPT_LOSS = """\
model = nn.Linear(10, 3)
optimizer = optim.SGD(model.parameters(), lr=0.01)
for x, y in loader:
    optimizer.zero_grad()
    out = model(x)
    distance = torch.sqrt(((out - y) ** 2).sum(1))
    loss = (distance / out.norm(dim=1)).mean()
    loss.backward()
    optimizer.step()
"""


def test_a_loss_computed_in_top_level_script_code_is_checked() -> None:
    assert found(SCRIPT_LOSS) == [("NNL204", 6, 16), ("NNL203", 7, 24)]


def test_script_code_that_backpropagates_nothing_or_runs_under_no_grad_is_not() -> None:
    metrics = SCRIPT_LOSS.replace("    loss.backward()\n", "").replace("    optimizer.step()\n", "")
    assert [code for code, _, _ in found(metrics)] == []
    evaluated = SCRIPT_LOSS + """\
with torch.no_grad():
    for x, y in test_loader:
        out = model(x)
        score = (out / out.norm(dim=1, keepdim=True)).sum()
"""
    assert found(evaluated) == [("NNL204", 6, 16), ("NNL203", 7, 24)]


NOTEBOOK_SCRIPT = """\
model = nn.Sequential(nn.Linear(10, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 2))
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
{switch}
with torch.no_grad():
    predictions = model(test_x).argmax(1)
"""


def test_evaluation_after_a_top_level_training_loop_needs_eval() -> None:
    assert found(NOTEBOOK_SCRIPT.format(switch="")) == [("NNL502", 13, 19)]
    assert found(NOTEBOOK_SCRIPT.format(switch="model.eval()")) == []
    # Training mode set again on purpose after training (MC dropout) is left alone.
    assert found(NOTEBOOK_SCRIPT.format(switch="model.train()")) == []


def test_a_fragment_under_a_comment_at_column_zero_is_still_dedented() -> None:
    assert found("# from the post:\n" + INDENTED) == [("NNL107", 4, 16)]


HELPER_LOSS = """\
def compute(out, y):
    distance = torch.sqrt(((out - y) ** 2).sum(1))
    return distance.mean()


def accuracy(out, y):
    return (out.argmax(1) == y).sum() / torch.sqrt((out ** 2).sum())


def run(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        out = model(x)
        loss = compute(out, y)
        score = accuracy(out, y)
        scaler.scale(loss).backward()
        optimizer.step()
"""


def test_the_backpropagated_loss_is_followed_into_the_helper_that_computes_it() -> None:
    # `compute` is not named like a loss; its result is what run() backpropagates. The
    # metric helper beside it takes no gradient and is left alone.
    assert found(HELPER_LOSS) == [("NNL204", 2, 16)]


PASTED_PIPELINE = """\
class Noisy(Dataset):
    def __init__(self, images):
        self.images = images
        self.rng = np.random.default_rng(0)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i] + self.rng.normal(size=3)).float()

loader = DataLoader(Noisy(images), batch_size=8, num_workers=4)
"""


def test_a_pasted_data_pipeline_means_torch_s_dataset_and_dataloader() -> None:
    assert ("NNL611", 9, 10) in found(PASTED_PIPELINE)
    # The user's own DataLoader (bound in the file) is not torch's.
    own = "from mydata import DataLoader\n" + PASTED_PIPELINE
    assert [f for f in found(own) if f[0] == "NNL611"] == []


PASTED_VALIDATION = """\
def validate(model, loader):
    model.eval()
    total = 0.0
    for x, y in loader:
        total += loss_fn(model(x), y).item()
    return total / len(loader)
"""


def test_a_pasted_evaluation_helper_is_read() -> None:
    # No torch name at all: `model.eval()` is what marks it as PyTorch code.
    assert found(PASTED_VALIDATION) == [("NNL506", 5, 26)]


LIGHTNING_STEP = """\
    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.sqrt(F.mse_loss(self(x), y))
        return loss
"""


def test_a_training_step_posted_alone_is_a_lightning_module_s() -> None:
    # Read inside a LightningModule, the step's returned loss is what Lightning backpropagates.
    assert found(LIGHTNING_STEP) == [("NNL204", 3, 16)]


METHODS_THEN_SCRIPT = """\
{indent}def __init__(self):
{indent}    super().__init__()
{indent}    self.fc = nn.Linear(10, 3)

{indent}def forward(self, x):
{indent}    return F.softmax(self.fc(x), dim=1)

model = Net()
criterion = nn.CrossEntropyLoss()
for x, y in loader:
    loss = criterion(model(x), y)
"""


def test_methods_above_the_script_that_instantiates_them_are_that_class() -> None:
    # Pasted at column 0 or with the class's indentation: `Net()` is the pasted class.
    assert found(METHODS_THEN_SCRIPT.format(indent="")) == [("NNL101", 6, 12)]
    assert found(METHODS_THEN_SCRIPT.format(indent="    ")) == [("NNL101", 6, 16)]
    # Two undefined classes instantiated: which one the methods belong to is not known.
    two = METHODS_THEN_SCRIPT.format(indent="") + "other = Encoder()\n"
    assert found(two) == []
    # super(Net, self) names the class whatever else the file calls.
    named = two.replace("super().__init__()", "super(Net, self).__init__()")
    assert found(named) == [("NNL101", 6, 12)]


SCRIPT_EVALUATION = """\
{setup}model.train()
for data, target in train_loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(data), target)
    loss.backward()
    optimizer.step()

model.eval()
{guard}for data, target in test_loader:
{pad}    pred = model(data).argmax(dim=1)
"""


def test_a_script_s_evaluation_after_its_last_step_runs_without_gradients() -> None:
    # The pasted loop's `model` is the model the post left out; its evaluation after the last
    # training step, in eval mode, keeps every batch's graph.
    bare = SCRIPT_EVALUATION.format(setup="", guard="", pad="")
    assert found(bare) == [("NNL506", 10, 12)]
    guarded = SCRIPT_EVALUATION.format(setup="", guard="with torch.no_grad():\n    ", pad="    ")
    assert found(guarded) == []
    # A model the file builds is checked the same way.
    built = SCRIPT_EVALUATION.format(setup="model = nn.Sequential(nn.Linear(4, 2))\n", guard="", pad="")
    assert found(built) == [("NNL506", 11, 12)]
    # A file that binds `model` somewhere unknown (a parameter of another function) is no snippet.
    assert found("def f(model):\n    pass\n" + bare) == []


SESSION = """\
>>> m = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
>>> out = m(torch.randn(2, 4))
>>> out
tensor([[0.3000, 0.4000, 0.3000],
        [0.2000, 0.5000, 0.3000]], grad_fn=<SoftmaxBackward0>)
>>> for target in targets:
...     loss = nn.CrossEntropyLoss()(out, target)
...
"""


def test_an_interactive_session_is_read_as_the_code_it_ran() -> None:
    # Prompts removed and the printed output skipped; findings keep the file's columns.
    assert found(SESSION) == [("NNL101", 1, 40)]
    assert found(SESSION.replace(", nn.Softmax(dim=1)", "")) == []


NEXT_CELL_PREDICTION = """\
model = nn.Sequential(nn.Linear(10, 32), nn.Dropout(0.5), nn.Linear(32, 1))
for epoch in range(10):
    optimizer.zero_grad()
    F.mse_loss(model(x), y).backward()
    optimizer.step()
{switch}preds = model(x_test)
"""


def test_a_prediction_after_a_script_s_last_training_step_is_inference() -> None:
    assert [f for f in found(NEXT_CELL_PREDICTION.format(switch="")) if f[0] == "NNL502"] == [("NNL502", 6, 9)]
    assert [f for f in found(NEXT_CELL_PREDICTION.format(switch="model.eval()\n")) if f[0] == "NNL502"] == []


def test_one_batch_plots_and_samples_saved_while_training_are_not_evaluations() -> None:
    # A loop that takes one batch for a plot (break) is no evaluation loop (NNL506).
    one_batch = SCRIPT_EVALUATION.format(setup="", guard="", pad="") + "    break\n"
    assert [f for f in found(one_batch) if f[0] == "NNL506"] == []
    # Samples generated inside the training loop, which goes on training, are not the
    # script's inference (NNL502).
    sampling = NEXT_CELL_PREDICTION.replace("    optimizer.step()\n{switch}preds = model(x_test)\n",
                                            "    optimizer.step()\n    sample = model(noise)\n")
    assert [f for f in found(sampling) if f[0] == "NNL502"] == []
