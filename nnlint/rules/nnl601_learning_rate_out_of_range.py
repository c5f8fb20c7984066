from nnlint import catalogue
from nnlint.catalogue.optim import ADAPTIVE, SGD
from nnlint.rules.base import Rule



def _show(value: float) -> str:
    return f"{value:g}"


class LearningRateOutOfRange(Rule):
    """
    ## What it does
    Finds an optimizer built with a literal learning rate far outside the range that
    usually trains: for Adam, AdamW, Adamax, NAdam, RAdam and RMSprop above `1e-2` or
    below `1e-6`; for SGD above `1.0` or below `1e-5`. The learning rate may be written
    in the call (`lr=0.05`, the second positional argument), come from a module-level
    constant (`LR = 0.05`) or be any value the interpreter follows to one number: an entry
    of a dict literal (`lr=config["lr"]`), a parameter's default that every call site of the
    function keeps (`def fit(self, opt="LBFGS", lr=1.0)` called with `opt="Adam"`). The
    finding sits on the learning rate and the message gives the usual range.

    The ranges are those of a network's weights. Not reported: an optimizer over tensors
    listed by hand (`Adam([image], lr=0.1)` in style transfer or adversarial examples,
    `LBFGS([latent])`), where each step moves an input directly; an optimizer over a model
    wrapped for parameter-efficient fine-tuning (`peft.get_peft_model`), whose prompts and
    adapters are trained at 1e-2..1 by design; and test code.

    The rule is opt-in (`--extend-select NNL601`): on the real-code precision corpus
    (`docs/precision.md`) none of its 6 findings outside test code was a real mistake.
    Working recipes use rates far from the usual range on purpose (SGD at 20 for a word
    language model, Adam at 3e-2 for a small policy network, demos whose loss is a
    placeholder), and a literal learning rate is rarely what is wrong in code that trains.

    ## Why is this bad?
    The seed lists "too small / too big learning rate" among the reasons a network
    predicts one class. Adam at `lr=0.05` takes steps so large that ReLU units are
    pushed into their dead region in the first iterations: gradients become exactly
    zero, the loss freezes at `ln(num_classes)` and every input gets the same class.
    A learning rate far too small looks the same from the outside: the loss barely moves.

    ## Example
    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    ```

    ## Use instead
    ```python
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    ```
    or run a learning-rate range test and pick the rate from its curve.

    ## Options
    `[tool.nnlint.rules.NNL601]`: `adam-max-lr` (default `1e-2`), `adam-min-lr`
    (`1e-6`), `sgd-max-lr` (`1.0`), `sgd-min-lr` (`1e-5`). The Adam bounds apply to the
    whole Adam family and RMSprop.

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When a scheduler or warm-up sets the effective rate (the literal is then only a
    multiplier), with layer-wise scaling schemes (LARS/LAMB-style large-batch training), or
    when a learning-rate range test chose the value. Adjust the thresholds for the project
    or suppress the finding on its line.
    """

    code = "NNL601"
    reads = ("training",)
    checks_test_code = False
    default_enabled = False  # 0 of 6 findings real on the precision corpus (docs/precision.md)
    name = "learning-rate-out-of-range"
    summary = "A literal learning rate far outside the usual range for its optimizer."
    fix_hint = "Use a learning rate in the usual range (Adam ~1e-4..1e-3, SGD ~1e-3..1e-1) or run an LR range test."
    options = {"adam-max-lr": float, "adam-min-lr": float, "sgd-max-lr": float, "sgd-min-lr": float}
    defaults = {"adam-max-lr": 1e-2, "adam-min-lr": 1e-6, "sgd-max-lr": 1.0, "sgd-min-lr": 1e-5}
    invalid = (
        """\
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)  # <--
""",
        """\
from torch import optim

LEARNING_RATE = 1e-8

def make_optimizer(net):
    return optim.SGD(net.parameters(), LEARNING_RATE, momentum=0.9)  # <--
""",
    )
    valid = (
        """\
import torch

def make_optimizers(model, head):
    adam = torch.optim.Adam(model.parameters(), lr=3e-4)
    sgd = torch.optim.SGD(head.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)  # BN ResNet recipe
    rms = torch.optim.RMSprop(model.parameters(), lr=5e-5)  # WGAN
    return adam, sgd, rms
""",
        """\
import torch

def make_optimizer(model, args):
    return torch.optim.AdamW(model.parameters(), lr=args.lr)  # not a literal: unknown
""",
        """\
import torch

def style_transfer(content, extractor, steps=300):
    image = content.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=0.05)  # the pixels are optimized, not a network
    for _ in range(steps):
        optimizer.zero_grad()
        extractor(image).backward()
        optimizer.step()
    return image
""",
        """\
import torch
from peft import PromptTuningConfig, get_peft_model

LR = 3e-2

def prompt_tune(base, loader):
    model = get_peft_model(base, PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=8))
    return torch.optim.AdamW(model.parameters(), lr=LR)  # only the soft prompt trains
""",
    )

    def check(self, facts, report) -> None:
        training = facts.training
        if training is None:
            return
        for optimizer in training.optimizers:
            if optimizer.lr is None or optimizer.lr_node is None or optimizer.raw_tensors:
                continue  # tensors listed by hand: an input image or latent, not a network's weights
            if optimizer.models and set(optimizer.models) <= training.parameter_efficient_models:
                continue  # a PEFT model: prompts and adapters are trained at larger rates
            family = catalogue.optimizer_family(optimizer.cls)
            if family == ADAPTIVE:
                low, high, family = self.settings["adam-min-lr"], self.settings["adam-max-lr"], "Adam-family/RMSprop"
            elif family == SGD:
                low, high, family = self.settings["sgd-min-lr"], self.settings["sgd-max-lr"], "SGD"
            else:
                continue
            lr = optimizer.lr
            if low <= lr <= high or lr <= 0:
                continue  # lr=0: a placeholder that a scheduler or param-group code sets
            what = "too high" if lr > high else "too low"
            consequence = ("steps this large overshoot, kill ReLU units or diverge: the loss freezes and "
                           "one class is predicted" if lr > high else "the loss will barely move")
            report(
                optimizer.lr_node,
                f"learning rate {_show(lr)} is {what} for {optimizer.cls} (usual range for {family}: "
                f"{_show(low)} to {_show(high)}); {consequence}.",
                related=[(optimizer.node, f"{optimizer.cls} built here")],
            )
