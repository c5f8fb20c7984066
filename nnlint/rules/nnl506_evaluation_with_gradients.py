import libcst as cst

from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.paths.build import EVAL, EVAL_SWITCH, LOCAL_CALL, MODEL_CALL, STEP, same_model
from nnlint.analysis.program.syntax import descendants
from nnlint.catalogue.functions import GRAD_MODE_SWITCHES, GRADIENT_METHODS, GRADIENT_REQUESTS
from nnlint.catalogue.names import TEST_FUNCTION
from nnlint.rules.base import Rule

_MAX_CALLER_DEPTH = 3


class EvaluationWithGradients(Rule):
    """
    ## What it does
    Finds an evaluation or inference loop that runs a model with gradients on: a function
    named `evaluate`, `validate`, `test`, `predict`, `infer`... (or the `__main__` block of
    an inference script) calls the model inside a loop, and neither the function nor any
    function of the file that calls it puts the call under `torch.no_grad()` /
    `torch.inference_mode()` (as a `with` block or a decorator). Functions that ask for
    gradients themselves (`backward()`, `torch.autograd.grad`, `requires_grad_()`, a
    `torch.set_grad_enabled(...)` / `torch.enable_grad()` of their own), methods of an
    `nn.Module` / LightningModule (Lightning runs `validation_step` under no-grad) and pytest
    tests in test files are not reported. A script that trains and then evaluates in its
    top-level code (or its `__main__` block), as a notebook-converted script does, is
    checked from its last training step on: a model switched to `eval()` there and run in a
    loop with gradients on is reported. The finding sits on the first model call of the
    loop.

    ## Why is this bad?
    With gradients on, every forward pass records its autograd graph and keeps every
    intermediate activation alive for a backward pass that never comes. Evaluation takes
    two to three times the memory it needs — batch sizes that trained fine run out of GPU
    memory at validation — and runs slower; when outputs or losses are collected in a list
    across batches, each one keeps its whole graph, and memory grows batch after batch until
    the run crashes.

    ## Example
    ```python
    def evaluate(model, loader):
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct / len(loader.dataset)
    ```

    ## Use instead
    ```python
    @torch.no_grad()
    def evaluate(model, loader):
        model.eval()
        correct = 0
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
        return correct / len(loader.dataset)
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the gradients are wanted (input-gradient attributions, test-time adaptation) in a
    way nnlint does not see, or when the caller that turns gradients off is in another file.
    A context manager that turns gradients off counts like `torch.no_grad()`: a library's
    the catalogue knows (MONAI's `eval_mode(model)`), and one the file defines with
    `@contextmanager` whose `yield` sits inside `with torch.no_grad():`.

    On the precision corpus (the 29 public repositories of docs/precision.md) it reports 1
    finding, labelled a real one (1 of 1); it is on by default.

    ## Precision
    On by default again. On the second held-out set, fifteen public repositories nobody tuned on
    (docs/precision.md, "Second held-out check"), 4 of its 4 findings were real (ssd.pytorch's and
    a course's evaluation loops without `no_grad`). It had been opt-in after the first held-out
    set (0 of 1: a loop inside MONAI's `eval_mode(model)`, which turns gradients off); mode
    context managers are read now (catalogue, or learnt from a `@contextmanager` of the file),
    and the tuned corpus keeps its one real finding (1 of 1).
    """

    code = "NNL506"
    reads = ("paths",)
    name = "evaluation-with-gradients"
    summary = "An evaluation or inference loop runs the model without torch.no_grad() / inference_mode()."
    fix_hint = "Wrap the evaluation in `with torch.no_grad():` (or decorate the function with @torch.no_grad())."
    invalid = (
        """\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))

def evaluate(loader):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()  # <--
    return correct
""",
        """\
import torch

def validate(model, loader, criterion):
    model.eval()
    losses, outputs = [], []
    for x, y in loader:
        out = model(x)  # <--
        losses.append(criterion(out, y))
        outputs.append(out)
    return torch.stack(losses).mean(), torch.cat(outputs)
""",
    )
    valid = (
        """\
import torch

@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    return [model(x).argmax(1) for x, _ in loader]
""",
        """\
import torch

def run_epoch(model, loader, optimizer, phase):
    model.train(phase == "train")
    for x, y in loader:
        with torch.set_grad_enabled(phase == "train"):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        if phase == "train":
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
""",
        """\
import torch

def predict_batches(model, loader):
    return [model(x) for x in loader]

def main(model, loader):
    model.eval()
    with torch.inference_mode():
        print(predict_batches(model, loader))
""",
        """\
import torch

def test_saliency(model, loader):
    model.eval()
    maps = []
    for x, y in loader:
        x.requires_grad_()
        model(x).gather(1, y[:, None]).sum().backward()
        maps.append(x.grad.abs())
    return maps
""",
        """\
import torch
import lightning as L

class Classifier(L.LightningModule):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def validation_step(self, batch, batch_idx):
        for x, y in [batch]:
            self.log("val_loss", torch.nn.functional.cross_entropy(self.net(x), y))
""",
    )

    def check(self, facts, report) -> None:
        paths = facts.paths
        if paths is None:
            return
        test_file = facts.test_code
        for scope in paths.scopes:
            self._script_evaluation(scope, facts, report)
            if scope.role != EVAL or scope.in_module_class or scope.decorated_no_grad:
                continue
            if test_file and TEST_FUNCTION.search(scope.name):
                continue
            if any(event.kind == STEP for event in scope.events):
                continue
            calls = [event for event in scope.events if event.kind == MODEL_CALL and event.loops
                     and not event.no_grad and not event.discarded]
            if not calls:
                continue
            if _asks_for_gradients(scope.node, facts.imports):
                continue
            if _called_without_gradients(paths, scope, 0):
                continue
            first = calls[0]
            where = "the `__main__` block" if scope.name == "<main>" else f"{scope.name}()"
            report(
                first.node,
                f"`{first.target}` runs in a loop of {where}, an evaluation path, with gradients on: every batch "
                "records its autograd graph and keeps its activations for a backward pass that never comes, so "
                "evaluation needs several times the memory (and grows when outputs are kept). Wrap it in "
                "`with torch.no_grad():` or `torch.inference_mode()`.",
                related=[(scope.loops[first.loops[-1]], "the evaluation loop")] if first.loops[-1] in scope.loops
                else (),
            )


    def _script_evaluation(self, scope, facts, report) -> None:
        """A training script's top-level evaluation: after its last training step, a model
        switched to eval() and called in a loop with gradients on."""
        if scope.name not in ("<module>", "<main>"):
            return
        steps = [index for index, event in enumerate(scope.events) if event.kind == STEP]
        if not steps:
            return
        switched: list[str] = []
        for event in scope.events[steps[-1] + 1:]:
            if event.kind == EVAL_SWITCH:
                switched.append(event.target)
                continue
            if event.kind != MODEL_CALL or not event.loops or event.no_grad or event.discarded:
                continue
            if not any(same_model(name, event.target) for name in switched):
                continue
            loop = scope.loops.get(event.loops[-1])
            if loop is None or _asks_for_gradients(loop, facts.imports) or _takes_one_batch(loop):
                continue
            report(
                event.node,
                f"`{event.target}` is switched to eval() after the script's last training step and runs in a loop "
                "with gradients on: every batch records its autograd graph and keeps its activations for a backward "
                "pass that never comes, so evaluation needs several times the memory. Wrap the loop in "
                "`with torch.no_grad():` or `torch.inference_mode()`.",
                related=[(loop, "the evaluation loop")],
            )
            return


def _takes_one_batch(loop: cst.CSTNode) -> bool:
    """`for x in loader: out = model(x); break`: one batch for a plot, not an evaluation."""
    body = getattr(loop, "body", None)
    statements = getattr(body, "body", ())
    return any(isinstance(statement, cst.SimpleStatementLine)
               and any(isinstance(small, cst.Break) for small in statement.body) for statement in statements)


def _asks_for_gradients(node: cst.CSTNode, aliases: dict[str, str]) -> bool:
    """The function manages gradients itself: backward, autograd.grad, requires_grad_,
    set_grad_enabled / enable_grad."""
    body = node.body if isinstance(node, cst.FunctionDef) else node
    for current in descendants(body):
        if type(current) is not cst.Call:
            continue
        func = current.func
        if isinstance(func, cst.Attribute) and func.attr.value in GRADIENT_METHODS:
            return True
        qualified = qualified_name(func, aliases)
        if qualified in GRAD_MODE_SWITCHES or qualified in GRADIENT_REQUESTS:
            return True
    return False


def _called_without_gradients(paths, scope, depth: int) -> bool:
    """Some caller of `scope` in this file calls it under no_grad (or is decorated so), or
    is itself called that way, up to a few calls up."""
    if depth >= _MAX_CALLER_DEPTH or scope.name.startswith("<"):
        return False
    for caller, index in paths.callers(scope.name):
        if caller is scope:
            continue
        event = caller.events[index]
        if event.kind == LOCAL_CALL and (event.no_grad or caller.decorated_no_grad):
            return True
        if _called_without_gradients(paths, caller, depth + 1):
            return True
    return False
