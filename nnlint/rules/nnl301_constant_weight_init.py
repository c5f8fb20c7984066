from nnlint.rules.base import Rule

_VALUES = {"zero": "zero", "one": "one", "constant": "one constant"}


class ConstantWeightInit(Rule):
    """
    ## What it does
    Finds the weight matrix of a `Linear`, `Conv*`, `RNN`/`LSTM`/`GRU` or `Embedding` layer
    (or a raw `nn.Parameter` matrix used in a matmul) set to one constant value when that
    leaves the units of a layer symmetric:

    - two consecutive weight layers of an `nn.Sequential` both set to a constant
      (`nn.init.zeros_(self.gate[0].weight)` and `nn.init.zeros_(self.gate[2].weight)`);
    - every `Linear`/`Conv` layer of a model set to a constant, in a
      `for m in self.modules(): if isinstance(m, nn.Linear): ...` loop, a
      `for p in net.parameters()` loop, a loop over a list of the layers
      (`for layer in [fc1, fc2, fc3]:`), or an init function given to `model.apply(...)`;
    - every weight matrix of a class set to a constant.

    Recognized spellings: `nn.init.zeros_/ones_/constant_` (however `init` is imported),
    `.fill_(c)`, `.zero_()` (also on `.data`), `nn.Parameter(torch.zeros/ones/full(...))`, and an
    assignment of `torch.zeros/ones/full(_like)(...)` (`layer.weight.data = torch.ones_like(layer.weight)`).

    ## Why is this bad?
    Units that start with identical weights compute identical outputs and receive identical
    gradients, so they stay identical forever: a hidden layer of 256 units behaves like one
    unit. With two zero layers in a row the first one even gets exactly zero gradient and
    never moves. The seed's advice is to "initialize the weights randomly (each weight a
    different value)"; a network initialized this way often ends up predicting the same
    class for every input.

    ## Example
    ```python
    self.gate = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.Tanh())
    nn.init.zeros_(self.gate[0].weight)
    nn.init.zeros_(self.gate[2].weight)

    for m in self.modules():
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
    ```

    ## Use instead
    ```python
    self.gate = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.Tanh())
    nn.init.zeros_(self.gate[2].weight)  # only the last layer: the gate starts closed

    for m in self.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
    ```

    ## How dynamic mode confirms it
    `check --dynamic` builds the model, runs one training-mode backward pass (cross-entropy
    for class scores, else a mean square) on a varied batch, and looks at every weight
    matrix. *Confirmed* when a matrix's rows (units) are identical after construction and
    their gradients are identical too (within 1e-4 of the largest) or zero (below 1e-6 of
    the model's largest gradient): those units stay identical whatever the optimizer does.
    *Not confirmed* when all rows are distinct, or when identical rows get different
    gradients — an output layer's rows get one gradient per class and part at the first
    step, so a zero output layer is not the symmetry this rule warns about. A class built
    with random defaults but instantiated with constants at the top of the file
    (`model_0 = Net(constant_weight=0)`) is judged on that instance.

    ## When to ignore it
    The rule already stays silent for the constant inits that are deliberate and harmless,
    because symmetry is broken elsewhere:

    - **biases** and **normalization layers' weight/bias** (`BatchNorm`, `LayerNorm`,
      `GroupNorm`): a constant there does not make units identical, the random weights
      before them already differ. Only a `weight` of a weight layer is considered.
    - **the last layer of a residual branch** (`zero_init_residual`, zero-gamma BN, a zero
      output projection of an MLP/attention block), **a ZeroConv** (flows, ControlNet) and
      **a zero gate**: one zero layer after random ones starts the branch as the identity;
      its gradient depends on the random activations before it, so its units separate at
      the first step. The rule reports a single constant layer only when the layer next to
      it is constant too, or when every weight layer of the model is.
    - **a layer started as a chosen constant**: a zero weight with the bias set to a
      starting value given by name (`nn.init.zeros_(self.to_alpha.weight)`,
      `nn.init.constant_(self.to_alpha.bias, init_alpha)`), as learned gates and
      adaptive-norm scales do; its units feed different quantities, so they separate.
    - **a LoRA `B` matrix** (`lora_up = nn.Parameter(torch.zeros(out, r))`): `A` is random,
      so `B` gets a non-zero, non-symmetric gradient; a raw parameter matrix is reported
      only if every weight matrix of its class is constant.
    - **a single linear layer** (logistic regression, a zero-initialized head before a
      softmax that should start uniform): there are no hidden units to be symmetric.
    - constant inits under a condition other than the layer type (`if name.startswith(
      "head")`, `if zero_init_last:`), which target one chosen layer.

    If a model really wants several constant layers (e.g. a test fixture), suppress the
    finding with `# noqa: NNL301`.
    """

    code = "NNL301"
    reads = ("initialization",)
    checks_test_code = False
    name = "constant-weight-init"
    summary = "Weight matrices set to one constant, so the units of a layer stay identical."
    fix_hint = "Initialize weights randomly (keep PyTorch's default or use nn.init.kaiming_/xavier_); keep constants for biases, norms and a single last layer."
    invalid = (
        """\
import torch
import torch.nn as nn

class LanguageGate(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gate = nn.Sequential(
            nn.Linear(dim, dim, bias=False), nn.ReLU(),
            nn.Linear(dim, dim, bias=False), nn.Tanh(),
        )
        nn.init.zeros_(self.gate[0].weight)  # <--
        nn.init.zeros_(self.gate[2].weight)  # <--
""",
        """\
import torch
from torch import nn

net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
net[0].weight.data.fill_(0)  # <--
net[0].bias.data.fill_(0)
net[1].weight.data.fill_(0)  # <--
net[1].bias.data.fill_(0)
""",
        """\
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, constant_weight=None):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        if constant_weight is not None:
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.constant_(m.weight, constant_weight)  # <--
                    nn.init.constant_(m.bias, 0)
""",
        """\
import torch
from torch.nn import init

def weights_init(m):
    if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
        init.ones_(m.weight)  # <--

model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3))
model.apply(weights_init)
""",
        """\
import torch
import torch.nn as nn

class TwoLayer(nn.Module):
    def __init__(self, d_in, d_hidden, d_out):
        super().__init__()
        self.w1 = nn.Parameter(torch.zeros(d_in, d_hidden))  # <--
        self.w2 = nn.Parameter(torch.zeros(d_hidden, d_out))  # <--

    def forward(self, x):
        return torch.relu(x @ self.w1) @ self.w2
""",
    )
    valid = (
        """\
import torch.nn as nn

def init_weights(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                nn.init.constant_(m.bias, 0)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)

backbone = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, 64, 3))
init_weights(backbone)
""",
        """\
import torch
import torch.nn as nn

class ZeroConv1d(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.conv = nn.Conv1d(in_ch, out_ch, 1)
        self.conv.weight.data.zero_()
        self.conv.bias.data.zero_()
        self.scale = nn.Parameter(torch.zeros(1, out_ch, 1))

    def forward(self, x):
        return self.conv(x) * torch.exp(self.scale * 3)

class Bottleneck(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch)
        self.conv2, self.bn2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False), nn.BatchNorm2d(ch)
        nn.init.zeros_(self.bn2.weight)  # zero-init residual gamma
""",
        """\
import torch
import torch.nn as nn
import torch.nn.functional as F

class ChannelWeightNetwork(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.fc = nn.Linear(in_ch, out_ch)
        nn.init.zeros_(self.fc.weight)  # a single layer: softmax starts uniform
        nn.init.zeros_(self.fc.bias)

    def forward(self, feat):
        return F.softmax(self.fc(F.adaptive_avg_pool2d(feat, 1).flatten(1)), dim=1)
""",
        """\
import torch
import torch.nn as nn

class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, rank=4):
        super().__init__()
        self.base = base
        out_f, in_f = base.weight.shape
        self.lora_down = nn.Parameter(torch.randn(rank, in_f) * 0.01)
        self.lora_up = nn.Parameter(torch.zeros(out_f, rank))  # LoRA B: zero by design

    def forward(self, x):
        return self.base(x) + x @ (self.lora_up @ self.lora_down).T
""",
        """\
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        nn.init.zeros_(self.mlp[-1].weight)  # last layer of the residual branch

def init_head(module, name):
    if isinstance(module, nn.Linear):
        if name.startswith("head"):
            nn.init.zeros_(module.weight)
        else:
            nn.init.trunc_normal_(module.weight, std=0.02)
""",
        """\
import torch.nn as nn

class FixupResNet(nn.Module):
    def __init__(self, block, layers, num_classes=10):
        super().__init__()
        self.layer1 = self._make_layer(block, 16, layers[0])
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Linear):  # the only Linear: Fixup zero-inits the classifier
                nn.init.constant_(m.weight, 0)
                nn.init.constant_(m.bias, 0)
""",
        """\
import torch
import torch.nn as nn

def zero_module(module):
    for p in module.parameters():
        p.detach().zero_()  # ControlNet's zero convolution helper
    return module

zero_conv = zero_module(nn.Conv2d(320, 320, 1))
""",
    )

    def check(self, facts, report) -> None:
        found = facts.initialization
        if found is None:
            return
        for init in found.constant_inits:
            if not init.symmetric:
                continue
            value = _VALUES.get(init.value, "one constant")
            if init.every_layer:
                what = "every parameter of the model" if init.layer == "Parameter" else f"every {init.layer} layer's weight"
                message = (
                    f"{what} is set to {value}: the units of each layer compute the same output and get "
                    "the same gradient, so they never become different. Initialize the weights randomly "
                    "(e.g. nn.init.kaiming_normal_) and keep constants for biases and norm layers."
                )
                if init.origin:
                    message += f" (the constant is set at {init.origin})"
                report(init.node, message)
                continue
            others = ", ".join(report.where(node) for node in init.symmetric_with)
            if init.reason == "adjacent":
                why = f"and so is the layer next to it ({others})"
            else:
                why = f"and so is every other weight matrix of the class ({others})"
            message = (
                f"{init.target} is set to {value} {why}: their units stay identical (with zeros, not even "
                "a gradient reaches them), so the network cannot learn. Initialize the weights randomly; "
                "zero-init at most the last layer."
            )
            report(init.node, message, related=[(node, "also set to a constant") for node in init.symmetric_with])
