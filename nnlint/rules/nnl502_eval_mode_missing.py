from typing import Optional

import libcst as cst

from nnlint.analysis.paths.build import EVAL, EVAL_SWITCH, LOCAL_CALL, MODEL_CALL, STEP, SWITCH, TRAIN, TRAIN_SWITCH, same_model
from nnlint.rules.base import Rule

_MAX_CALLER_DEPTH = 3


class EvalModeMissing(Rule):
    """
    ## What it does
    Finds an evaluation or inference path that runs a model with dropout or batch-norm
    layers without switching it to evaluation mode first: a function named `evaluate`,
    `test`, `validate`, `predict`, `infer`..., a function decorated with
    `@torch.no_grad()`, a `with torch.no_grad():` / `torch.inference_mode()` block outside
    the training code, or the `__main__` block of an inference script. The model may be a
    class of the project, a library model (torchvision, timm, `from_pretrained`) or a torch.nn
    layer used as the model itself that has dropout: the Transformer family, or an
    `nn.LSTM`/`nn.GRU`/`nn.MultiheadAttention` built with a non-zero `dropout=`. `model.eval()` (or
    `model.train(False)`) counts when it comes earlier in the same function or in a function
    that calls it, so does a `with` block of a context manager that sets eval mode (MONAI's
    `eval_mode(model)`, or one the file defines with `@contextmanager` that calls `.eval()`
    before its `yield`), when it is chained on the construction (`Net().eval()`), and when the last
    helper of the file called before the model (`prepare()`, `evaluate()`) left the model in
    eval mode. A model loaded with `from_pretrained(...)` (transformers, diffusers, peft) starts
    in eval mode and is reported only when the file switches it to training mode somewhere;
    tokenizers, processors, configs, schedulers and pipelines loaded that way are not models.
    The finding sits on the model call. In a script that
    trains at the top level (a notebook converted to a script, a forum snippet) or in its
    `__main__` block, every model call after the last training step counts too (under
    `torch.no_grad()` or not: `preds = model(X_test)` is inference, since nothing is trained
    after it): there the `model.train()` of the training loop is what the model is still in.

    ## Why is this bad?
    In training mode dropout zeroes random activations and batch-norm normalizes with the
    statistics of the current batch (and keeps updating its running averages with test
    data). Predictions become noisy, depend on what else is in the batch, and accuracy on
    the test set is much lower than it should be: the seed's "make sure you use the same
    preprocessing for training and testing" applies to the model's own layers as well.
    `torch.no_grad()` turns off gradients only; it does not change the mode.

    ## Example
    ```python
    model = torchvision.models.vgg16_bn(num_classes=10)

    def test(loader):
        with torch.no_grad():
            for x, y in loader:
                preds = model(x)
    ```

    ## Use instead
    ```python
    def test(loader):
        model.eval()
        with torch.no_grad():
            for x, y in loader:
                preds = model(x)
    ```

    ## How dynamic mode confirms it
    `check --dynamic` does not run the evaluation code, but it runs the effect: the model's
    forward on the same 16 inputs (fewer for large inputs) once in evaluation mode and twice
    in training mode (no gradients; batch-norm's running statistics are put back afterwards). *Confirmed* when the
    two training-mode passes differ (dropout draws new masks: the layers are named) or
    training mode differs from evaluation mode (batch-norm normalizes with the batch's
    statistics), with the largest difference. *Not confirmed* when all three agree: nothing
    in the built model depends on the mode. A finding outside any model class is judged on
    the file's module-level models, else on every model the file defines; a model from
    another file is not checked.

    ## When to ignore it
    Monte-Carlo dropout, where dropout is kept on deliberately to sample predictions: nnlint
    already stays silent when the path calls `model.train()` (or `.train()` on the dropout
    modules) before the model. Models without dropout and batch-norm layers behave the same
    in both modes and are not reported when their layers are known; a dropout built with a
    literal 0 (`nn.Dropout(p=0.0)`), or with a constructor parameter that gets 0 (a default
    `dropout_rate=0.0` the construction does not pass, or `CausalAttention(d, d, 0.0)`),
    counts as no dropout. A model that is a parameter of the function (`def generate(model,
    idx)`) is what the file's callers pass; with no caller in view it is left to the code that
    calls it; the models a wrapper's `forward` holds (`self.model(x)`) follow whoever runs the
    wrapper. Functions named for what they do to a model (`accelerator.unwrap_model(m)`,
    `load_model(path)`) are not models. Lightning's
    `validation_step` / `test_step` / `predict_step` run in eval mode already and are not
    checked. A model call whose result is thrown away (`model(x)` as a statement of its
    own, as in a smoke test that only checks the forward pass runs) or read only for its
    shape, dtype or device (`out = model(x); assert out.shape == (1, 256)`) is not reported, nor is a
    model the function (or a helper of the file it calls) has just built without loading
    weights, nor a call in a test function that runs an optimizer step (it trains).

    ## Precision
    Opt-in (enable it with `--extend-select NNL502`): on the held-out precision set, eleven
    public repositories (docs/precision.md, "Held-out check"), 6 of the 12 findings read were
    real mistakes (50 %) when it was first measured, under the 90 % a default rule needs. The
    false alarms were tests of blocks built with `dropout_rate=0.0` (no mode-dependent layer is
    active), a test that asserts only an output shape, and a loop inside MONAI's
    `eval_mode(model)`; all three classes are handled now (active-layer check, shape-only
    results, mode context managers), and the set gives 6 findings, all real (100 %). That set
    was read to find these classes, so it no longer counts as held out for this rule: whether
    it goes on by default is decided on a fresh set. On the second held-out set
    (docs/precision.md, "Second held-out check") 2 of 18 were real. Handled since: a
    parameter's model is what the file's callers pass (a `generate(model, idx)` helper with no
    caller in view is left to its callers), a dropout rate that is any constructor parameter is
    decided by each construction, `unwrap_model`-style functions are not models, a model fresh
    from a test class's builder is a fixture, and a wrapper's `forward` leaves its models' mode
    to whoever runs it: 2 of 9 left. Open: dropout that is 0 only in another file's
    construction (ELMo, timm-based blocks, RNNs at their defaults), library models nnlint does
    not know (MetaPath2Vec's embedding table), modes set by a training class in another file.
    """

    code = "NNL502"
    reads = ("paths",)
    default_enabled = False  # under 90 % on the held-out precision set (docs/precision.md)
    name = "eval-mode-missing"
    summary = "A model with dropout or batch-norm is evaluated without `model.eval()`."
    fix_hint = "Call `model.eval()` before evaluating (and `model.train()` before training again)."
    invalid = (
        """\
import torch
import torchvision

model = torchvision.models.resnet18(num_classes=10)

def test(loader):
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()  # <--
    return correct
""",
        """\
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(20, 64)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(64, 2)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.fc1(x))))

net = Net()

@torch.no_grad()
def predict(x):
    return net(x).argmax(1)  # <--
""",
        """\
import torch
import torch.nn as nn

encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=64, nhead=4), num_layers=2)
lstm = nn.LSTM(64, 64, num_layers=2, dropout=0.3)

def train(loader, optimizer):
    for x, y in loader:
        loss = nn.functional.mse_loss(lstm(encoder(x))[0], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

def embed(loader):
    with torch.no_grad():
        return [lstm(encoder(x))[0] for x in loader]  # <--
""",
        """\
import torch
import torch.nn as nn

# A notebook exported as a script: train at the top level, then test.
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
optimizer = torch.optim.Adam(model.parameters())
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

with torch.no_grad():
    accuracy = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)  # <--
""",
        """\
import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, dim, dropout_rate=0.0):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout_rate)

    def forward(self, x):
        return self.drop(self.proj(x))

block = Block(64, dropout_rate=0.1)
block.load_state_dict(torch.load("block.pt"))

@torch.no_grad()
def predict(x):
    return block(x)  # <--
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))
optimizer = torch.optim.Adam(model.parameters())
for x, y in train_loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()

model.eval()
with torch.no_grad():
    accuracy = sum((model(x).argmax(1) == y).sum().item() for x, y in test_loader)
""",
        """\
import torch
import torchvision

model = torchvision.models.resnet18(num_classes=10)

def evaluate(loader):
    model.eval()
    with torch.no_grad():
        return [model(x).argmax(1) for x, _ in loader]
""",
        """\
import torch
import torchvision

model = torchvision.models.resnet18(num_classes=10)

@torch.no_grad()
def run_validation(loader):
    return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

def main(loader):
    model.eval()
    print(run_validation(loader))
""",
        """\
import torch
import torch.nn as nn

# Monte-Carlo dropout: dropout kept on deliberately to sample predictions.
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))

@torch.no_grad()
def predict_with_uncertainty(x, samples=30):
    model.train()
    preds = torch.stack([model(x) for _ in range(samples)])
    return preds.mean(0), preds.std(0)
""",
        """\
import torch
import torch.nn as nn

# No dropout, no batch-norm: both modes compute the same thing.
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))

@torch.no_grad()
def predict(x):
    return model(x)
""",
        """\
import torch
import torch.nn.functional as F

def train_step(student, teacher, opt, x, y):
    with torch.no_grad():
        t_logits = teacher(x)
    loss = F.kl_div(F.log_softmax(student(x), 1), F.softmax(t_logits, 1), reduction="batchmean")
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
        """\
import torch
import torchvision


def test_forward_runs_on_pretrained_weights(batch):
    model = torchvision.models.vgg16_bn()
    model.load_state_dict(torch.load("vgg16_bn.pt"))
    with torch.no_grad():
        model(batch)
""",
        """\
import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, dim, dropout_rate=0.0):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout_rate)

    def forward(self, x):
        return self.drop(self.proj(x))

# Built with the default dropout_rate=0.0: the dropout drops nothing in either mode.
block = Block(64)
block.load_state_dict(torch.load("block.pt"))

@torch.no_grad()
def predict(x):
    return block(x)
""",
        """\
import torch
import torchvision


def test_backbone_output_shape():
    model = torchvision.models.resnet18()
    model.load_state_dict(torch.load("resnet18.pt"))
    with torch.no_grad():
        out = model(torch.randn(2, 3, 224, 224))
    assert out.shape == (2, 1000) and out.dtype == torch.float32
""",
    )

    def check(self, facts, report) -> None:
        paths = facts.paths
        if paths is None:
            return
        file_evals = any(e.kind in (EVAL_SWITCH, SWITCH) for s in paths.scopes for e in s.events)
        file_trains = any(e.kind == TRAIN_SWITCH for s in paths.scopes for e in s.events)
        for scope in paths.scopes:
            start = 0
            if scope.role == TRAIN:
                start = _after_training(scope)
                if start is None:
                    continue
            eval_scope = scope.role == EVAL
            if eval_scope and any(_optimizer_step(e) for e in scope.events):
                continue  # a test that runs an optimizer step trains; it does not evaluate
            seen: set[str] = set()
            training_loops = {loop for e in scope.events if e.kind == STEP for loop in e.loops}
            for index, event in enumerate(scope.events):
                # After a script's last training step every model call is inference (nothing
                # is trained any more), under no_grad or not: `preds = model(X_test)`.
                if index < start or event.kind != MODEL_CALL or not (eval_scope or event.no_grad or start) \
                        or event.discarded or event.shape_only:
                    continue
                if start and not event.no_grad and training_loops & set(event.loops):
                    continue  # samples saved inside the training loop, which goes on training
                model = event.target
                if any(same_model(model, other) for other in seen):
                    continue
                if model in scope.constructed and not scope.loads_weights and not start:
                    continue  # a fresh, untrained model (a smoke test of its shapes)
                switches = [i for i, e in enumerate(scope.events[:index])
                            if e.kind in (EVAL_SWITCH, SWITCH, TRAIN_SWITCH) and _covers(e.target, model)]
                # The last switch decides: evaluation mode, or training mode set deliberately
                # (MC dropout) -- but not the model.train() of the training loop before.
                if switches and (scope.events[switches[-1]].kind != TRAIN_SWITCH or switches[-1] >= start):
                    continue
                earlier = scope.events[:index]
                if _helper_mode(paths, earlier) in (EVAL_SWITCH, SWITCH):
                    continue  # `prepare()` / `evaluate()` called first left the model in eval mode
                if _born_eval(paths, model):
                    continue  # `from_pretrained` / `Net().eval()`, never switched to training
                if self._covered_by_callers(paths, scope, 0):
                    continue
                known = paths.mode_layers(model, scope)
                if known is False:
                    continue
                if known is None and (file_evals or not file_trains):
                    continue
                seen.add(model)
                layers = "dropout/batch-norm layers" if known else "layers that may include dropout or batch-norm"
                if event.no_grad and not eval_scope:
                    where = "under torch.no_grad()"
                elif scope.name == "<main>":
                    where = "in the `__main__` block"
                else:
                    where = f"in {scope.name}()"
                report(
                    event.node,
                    f"`{model}` has {layers} but is run {where} without `{model}.eval()`: dropout stays on and "
                    "batch-norm uses batch statistics, so evaluation results are wrong. Call `.eval()` first.",
                )

    def _covered_by_callers(self, paths, scope, depth) -> bool:
        if depth >= _MAX_CALLER_DEPTH or scope.name.startswith("<"):
            return False
        for caller, index in paths.callers(scope.name):
            if caller is scope:
                continue
            if any(e.kind in (EVAL_SWITCH, SWITCH) for e in caller.events[:index]):
                return True
            if _helper_mode(paths, caller.events[:index]) in (EVAL_SWITCH, SWITCH):
                return True
            if self._covered_by_callers(paths, caller, depth + 1):
                return True
        return False


def _after_training(scope) -> Optional[int]:
    """Where a script's evaluation starts: the first event after its last training step.
    A notebook-converted script (module code or the `__main__` block) trains and then
    evaluates in one scope; a training function is left to its own evaluation helpers."""
    if scope.name not in ("<module>", "<main>"):
        return None
    steps = [index for index, event in enumerate(scope.events) if event.kind == STEP]
    return steps[-1] + 1 if steps else None


def _covers(switched: str, model: str) -> bool:
    return same_model(switched, model) or switched == "self"


def _helper_mode(paths, earlier) -> Optional[str]:
    """The mode the last helper called before the model call (`prepare()`, `evaluate()`,
    `train_epoch()`) left the model in, or None when no earlier helper switches modes."""
    for event in reversed(earlier):
        if event.kind == LOCAL_CALL:
            mode = paths.final_mode(event.target)
            if mode is not None:
                return mode
    return None


def _born_eval(paths, model: str) -> bool:
    """Every construction of `model` left it in eval mode and nothing in the file switches it
    (or a model it belongs to) back to training mode."""
    if not any(same_model(model, name) for name in paths.born_eval):
        return False
    return not any(e.kind in (TRAIN_SWITCH, SWITCH) and (same_model(e.target, model) or e.target == "self")
                   for scope in paths.scopes for e in scope.events)


def _optimizer_step(event) -> bool:
    node = event.node
    return event.kind == STEP and isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
        and node.func.attr.value == "step"
