from nnlint.rules.base import Rule


class TensorNotParameter(Rule):
    """
    ## What it does
    Finds a weight-like tensor created in `__init__` with `torch.randn`, `torch.rand`,
    `torch.zeros`, `torch.empty`, `torch.Tensor`... and stored on `self` without
    `nn.Parameter` or `register_buffer`, when another method uses it as a weight: an operand
    of `@`, `torch.matmul`/`mm`/`bmm`/`einsum`, `F.linear` or `F.conv*d`. A matrix counts
    whatever its factory; a vector counts when it is drawn at random or left uninitialized
    (`self.v = torch.rand(d)`, an attention score vector), not when it is a constant such as
    `torch.ones(d)`, which may be a deliberate sum. Also finds an
    `nn.Parameter` that is moved, converted or computed with before it is stored
    (`self.t = nn.Parameter(torch.rand(n)).cuda()`, `.to(device)`, `.double()`, `* 0.01`),
    however it is used: each of these returns a new, plain tensor, and that copy is what the
    attribute keeps (only in-place methods such as `requires_grad_()` keep the Parameter, and
    `.float()`, which returns the tensor itself when it is already torch's default float32).

    ## Why is this bad?
    A plain tensor attribute is not a parameter: it is not in `model.parameters()`, so the
    optimizer never updates it (even with `requires_grad=True`), it is not moved by
    `model.to(device)` (a device-mismatch error on GPU) and it is not saved in
    `state_dict()` — the matrix stays at its random initial values while the rest of the
    model trains around it (the seed's "buggy training").

    ## Example
    ```python
    class Attention(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.w_q = torch.randn(d, d) * d ** -0.5

        def forward(self, x):
            return x @ self.w_q
    ```

    ## Use instead
    ```python
    class Attention(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.w_q = nn.Parameter(torch.randn(d, d) * d ** -0.5)  # learnable
            # or, for a fixed matrix: self.register_buffer("w_q", torch.randn(d, d))
    ```

    ## How dynamic mode confirms it
    `check --dynamic` builds the model and lists tensor attributes that are neither parameters
    nor buffers (so absent from `parameters()` and `state_dict()`).

    ## When to ignore it
    A fixed matrix (a random projection, a DCT basis) that is moved to the input's device in
    `forward` (`self.w = self.w.to(x.device)`) is not reported; a registered buffer is still
    better, since it is also saved and follows `.half()`.

    ## Precision
    Opt-in (enable it with `--extend-select NNL303`). Its first held-out findings (the fourth
    held-out set, docs/precision.md) were 0 of 2 real: a randomized multilinear map kept
    fixed on purpose (CDAN's random projection), moved to the device in `forward`.
    """

    code = "NNL303"
    default_enabled = False  # under 90 % pooled on the held-out precision sets (docs/precision.md)
    reads = ("initialization",)
    checks_test_code = False
    name = "tensor-not-parameter"
    summary = "Weight-like tensor attribute used in a matmul but not an nn.Parameter or buffer (never trained)."
    fix_hint = "Wrap it in nn.Parameter(...) if it should learn, or register it with self.register_buffer(...) if fixed."
    invalid = (
        """\
import torch
import torch.nn as nn

class Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w_q = torch.randn(d, d) * d ** -0.5  # <--
        self.w_k = torch.randn(d, d, requires_grad=True)  # <--

    def forward(self, x):
        return (x @ self.w_q) @ (x @ self.w_k).transpose(-1, -2)
""",
        """\
import torch
import torch.nn.functional as F
from torch import nn

class Classifier(nn.Module):
    def __init__(self, d, k):
        super().__init__()
        self.weight = torch.zeros(k, d)  # <--
        self.bias = nn.Parameter(torch.zeros(k))

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)
""",
        """\
import torch
import torch.nn as nn

class Offset(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.t = nn.Parameter(torch.rand(n)).cuda()  # <--

    def forward(self, x):
        return x + self.t
""",
    )
    valid = (
        """\
import torch
import torch.nn as nn

class Attention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w_q = nn.Parameter(torch.randn(d, d))
        self.register_buffer("proj", torch.randn(d, d))
        self.scale = torch.ones(1)  # not used as a weight matrix

    def forward(self, x):
        return (x @ self.w_q) @ self.proj * self.scale
""",
        """\
import torch
import torch.nn as nn

class RandomFeatures(nn.Module):
    def __init__(self, d, m):
        super().__init__()
        self.omega = torch.randn(d, m)

    def forward(self, x):
        self.omega = self.omega.to(x.device)
        return torch.cos(x @ self.omega)
""",
        """\
import torch
import torch.nn as nn

class Offset(nn.Module):
    def __init__(self, n, device="cuda"):
        super().__init__()
        self.t = nn.Parameter(torch.rand(n).to(device))  # moved first, then wrapped
        self.frozen = nn.Parameter(torch.rand(n)).requires_grad_(False)  # in place: still the Parameter

    def forward(self, x):
        return x + self.t + self.frozen
""",
    )

    def check(self, facts, report) -> None:
        found = facts.initialization
        if found is None:
            return
        for tensor in found.plain_tensors:
            if tensor.copied_by is not None:
                report(
                    tensor.node,
                    f"self.{tensor.attribute} is not the nn.Parameter it wraps: {tensor.copied_by} on a Parameter "
                    "returns a new, plain tensor (whenever it moves, converts or computes), which the module does not "
                    "register: the optimizer never updates it, state_dict() does not save it and model.to() does not "
                    "move it. Keep the nn.Parameter itself: "
                    + ("compute inside it (nn.Parameter(torch.randn(a, b) * 0.01))." if tensor.copied_by == "arithmetic"
                       else "create the tensor on the device first (nn.Parameter(torch.randn(n, device=device))) "
                            "or move the whole model."),
                    related=[(tensor.use, "used as a weight here")] if tensor.use is not None else (),
                )
                continue
            report(
                tensor.node,
                f"self.{tensor.attribute} is a plain tensor from {tensor.factory}(), used as a weight "
                f"({report.where(tensor.use)}) but neither an nn.Parameter nor a buffer: the optimizer never updates "
                "it, .to(device) does not move it and state_dict() does not save it. Wrap it in nn.Parameter "
                "(or register_buffer if it is fixed).",
                related=[(tensor.use, "used as a weight here")],
            )
