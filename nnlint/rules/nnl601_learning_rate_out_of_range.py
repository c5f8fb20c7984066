import math
from typing import Optional

from nnlint import catalogue
from nnlint.catalogue.optim import ADAPTIVE, SGD
from nnlint.rules.base import Rule



def _show(value: float) -> str:
    return f"{value:g}"


class LearningRateOutOfRange(Rule):
    """
    ## What it does
    Finds an optimizer built with a learning rate whose steps are out of all proportion to
    the weights it trains, or so small that nothing moves:

    - an adaptive optimizer (Adam, AdamW, Adamax, NAdam, RAdam, RMSprop) whose first steps
      are larger than the weights themselves. Adam moves every weight by about `lr` per step,
      whatever the gradient's scale, and torch's default initialisation draws a layer's weights
      at about `1/sqrt(fan_in)`. So a rate above `1e-2` is reported when `lr * sqrt(fan_in) > 1`
      for the widest layer the optimizer trains (`nn.Linear(784, 512)`: fan-in 784, weights
      ~0.036, so Adam at 0.05 wipes the initialisation out in its first step), or, when the
      file does not write the layers' sizes, when the rate is 1 or more (an SGD- or
      LBFGS-scale rate handed to Adam: `lr=1.0` from a config written for SGD, `lr=1e3` for
      `1e-3`);
    - SGD above `100` (beyond every published recipe: MoCo's linear probe uses 30, the word
      language model 20);
    - Adam-family below `1e-7`, SGD below `1e-6`.

    The rate may be written in the call (`lr=0.05`, the second positional argument), come
    from a module-level constant (`LR = 0.05`) or be any value the interpreter follows to one
    number: an entry of a dict literal (`lr=config["lr"]`), a parameter's default that every
    call site of the function keeps (`def fit(self, opt="LBFGS", lr=1.0)` called with
    `opt="Adam"`). The fan-in is read from the layers the file builds for the optimizer's model
    (`nn.Linear`'s `in_features`, a Conv's `in_channels` times its kernel, an RNN's
    `hidden_size`; catalogue `Layer.fan_in`) where their sizes are numbers. The finding sits on
    the learning rate.

    Not reported: an optimizer over tensors listed by hand (`Adam([image], lr=0.1)` in style
    transfer or adversarial examples, `Adam([w] + list(noise.values()))` in a GAN projector),
    where each step moves an input directly; an optimizer over a model wrapped for
    parameter-efficient fine-tuning (`peft.get_peft_model`), whose prompts and adapters are
    trained at 1e-2..1 by design; and test code.

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
    `[tool.nnlint.rules.NNL601]`: `adam-max-lr` (default `1e-2`: below it an adaptive rate
    is never reported), `adam-min-lr` (`1e-7`), `sgd-max-lr` (`100`), `sgd-min-lr` (`1e-6`).
    The Adam bounds apply to the whole Adam family and RMSprop.

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When a scheduler or warm-up sets the effective rate (the literal is then only a
    multiplier), with layer-wise scaling schemes (LARS/LAMB-style large-batch training), or
    when a learning-rate range test chose the value. Adjust the thresholds for the project
    or suppress the finding on its line.

    ## Precision
    Opt-in (`--extend-select NNL601`). With a fixed threshold (Adam above `1e-2`, SGD above
    1) none of the 17 findings read on the three precision sets (docs/precision.md) was a
    real mistake: Adam at 0.02 to 0.1 on single Linear layers, softmax regression, small or
    batch-normalised MLPs and small CNNs that the notebooks train well, SGD at 20 for the word
    language model and 30 for MoCo's linear probe. Each of those takes steps smaller than its
    weights (`lr * sqrt(fan_in)` of 0.06 to 0.6), and the rule no longer reports them; what it
    reports is the mistake the reports describe: Adam at an SGD-scale rate, or at a rate that
    wipes out a wide layer's initialisation.
    """

    code = "NNL601"
    reads = ("training",)
    checks_test_code = False
    default_enabled = False  # 0 of 17 real with a fixed threshold; the fan-in criterion is new (docs/precision.md)
    name = "learning-rate-out-of-range"
    summary = "A literal learning rate far outside the usual range for its optimizer."
    fix_hint = "Use a learning rate in the usual range (Adam ~1e-4..1e-3, SGD ~1e-3..1e-1) or run an LR range test."
    options = {"adam-max-lr": float, "adam-min-lr": float, "sgd-max-lr": float, "sgd-min-lr": float}
    defaults = {"adam-max-lr": 1e-2, "adam-min-lr": 1e-7, "sgd-max-lr": 100.0, "sgd-min-lr": 1e-6}
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
import torch.nn as nn

class MNISTModel(nn.Module):  # one Linear(784, 10): weights start at ~1/28 = 0.036
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(28 * 28, 10)

    def forward(self, x):
        return torch.relu(self.l1(x.view(x.size(0), -1)))

model = MNISTModel()
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)  # steps of 0.02 < 0.036: trains
""",
        """\
import torch

def linear_probe(encoder, num_classes):  # MoCo's linear evaluation on frozen features
    encoder.requires_grad_(False)
    head = torch.nn.Linear(2048, num_classes)
    return head, torch.optim.SGD(head.parameters(), lr=30.0, momentum=0.9, weight_decay=0.0)
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
                low, high, label = self.settings["adam-min-lr"], self.settings["adam-max-lr"], "Adam-family/RMSprop"
            elif family == SGD:
                low, high, label = self.settings["sgd-min-lr"], self.settings["sgd-max-lr"], "SGD"
            else:
                continue
            lr = optimizer.lr
            if lr <= 0:
                continue  # lr=0: a placeholder that a scheduler or param-group code sets
            if lr < low:
                what, why = "too low", "the loss will barely move"
            elif lr > high and (family != ADAPTIVE or _replaces_initialisation(lr, optimizer.largest_fan_in)):
                what = "too high"
                why = ("steps this large overshoot, kill ReLU units or diverge: the loss freezes and one class is "
                       "predicted")
                if family == ADAPTIVE:
                    why = (_against_weights(lr, optimizer.largest_fan_in) + "; " + why)
            else:
                continue
            report(
                optimizer.lr_node,
                f"learning rate {_show(lr)} is {what} for {optimizer.cls} (usual range for {label}: "
                f"{_show(low)} to {_show(high)}); {why}.",
                related=[(optimizer.node, f"{optimizer.cls} built here")],
            )


def _replaces_initialisation(lr: float, fan_in: Optional[int]) -> bool:
    """An adaptive optimizer's first steps move each weight by about `lr`; the default
    initialisation draws weights of about 1/sqrt(fan-in). Steps larger than the weights wipe
    the initialisation out. With no fan-in known, only a rate of 1 or more (an SGD-scale rate,
    larger than any default-initialised weight) is sure to."""
    if fan_in is None:
        return lr >= 1.0
    return lr * math.sqrt(fan_in) > 1.0


def _against_weights(lr: float, fan_in: Optional[int]) -> str:
    if fan_in is None:
        return f"each of its first steps moves every weight by about {_show(lr)}, more than the weights themselves"
    return (f"each of its first steps moves every weight by about {_show(lr)}, while the widest layer (fan-in "
            f"{fan_in}) starts with weights of about {_show(round(1 / math.sqrt(fan_in), 4))}")
