from nnlint.analysis.facts import SQUARE_SUM, ZERO_ABLE
from nnlint.rules.base import Rule


class UnguardedDivision(Rule):
    """
    ## What it does
    Finds a division by a quantity computed from the data that can be exactly 0, with no
    eps or clamp: a norm (`x.norm()`, `torch.norm`, `torch.linalg.norm`), a standard
    deviation or variance, a sum of squares, a count of a selection by value
    (`(y == c).sum()`, `keep.sum()` after `keep = target != ignore_index`, a tensor named
    like `pos`, `neg` or `valid`), or a range `x.max() - x.min()` — followed through local
    variables (`weight_norm = w.norm(dim=1)` ... `/ weight_norm`) and `/=`.

    A padding or length mask is not a selection by value: one handed in (`attention_mask`,
    `loss_mask`) or built from lengths (`torch.arange(T) < lengths[:, None]`) keeps at least
    one token of every real sequence, so a masked mean over it is not reported. Only a
    comparison of the data's values can leave nothing selected: a batch whose labels are all
    `ignore_index`, a batch with no positive anchor.

    Division by constants, sizes and shapes, `math.sqrt(d)`, `len(...)`, and anything
    already guarded (`+ eps`, `.clamp(min=...)`, `torch.clamp`, `max(n, 1)`) is fine, as is
    `F.normalize`, which guards itself, and a denominator variable that the function
    compares (`if norm > 1: x = x / norm`, `torch.where(n > 0, w / n, 1)`). A sum of
    squares that cannot be 0 is a guard too: one term the square of a nonzero number or
    hyperparameter (`sigma ** 2 + self.sigma_data ** 2`, with `sigma_data=0.5` in the
    constructor), or terms that cannot vanish together (`(1 - t) ** 2 + t ** 2`); so is a
    count whose zero items are overwritten (`n[n == 0] = 1`), or a denominator indexed by a
    comparison of itself (`n[n > 0]`, `n[nonzero]` with `nonzero = n > 1e-12`). A sum of
    squares plus a squared hyperparameter is guarded (SSIM's `C1 = (K1 * data_range) ** 2`
    added to `mu_x ** 2 + mu_y ** 2`), and so is a norm that cannot be 0: of an eigenvector,
    a singular vector or the Q of a QR decomposition (unit length), or a network's output
    divided by its own norm (`f / f.norm(dim=-1, keepdim=True)` of a layer's, a submodule's
    or an encoder's output, `self.model.encode_text(t)`: CLIP-style features are not exactly
    0). A raw parameter or a difference divided by its own norm (a Gram-Schmidt remainder)
    is still reported. A mask built from `torch.ones` with items zeroed by the code (MAE's
    `mask[:, :len_keep] = 0`) has a count set by construction, not an empty selection's 0.

    It looks where a NaN reaches the gradients: in `nn.Module` methods, in functions
    named as a loss, distance, normalisation, mean or pooling, in any code that calls
    `backward()` itself (a training function, or a script's top-level training loop),
    outside `torch.no_grad()`, and in the helpers whose result is the loss it backpropagates
    (`loss = compute(out, y)` ... `loss.backward()`). Optimizer internals and
    metrics are left alone: they run without gradients, and their denominators (norms of
    preconditioner matrices, counts of seen samples) are non-zero by construction far more
    often than not. Nor does it look where no backward pass reaches: under `torch.no_grad()`,
    in functions named as a metric, an analytic derivative, box geometry, a plot or an initializer (`_init_*`, `reset_parameters`)
    (`*_error`, `psnr`, `accuracy`, `dx_*`, `jacobian`, `boxes_*`, `to_rgb`, `plot_*`) unless
    their result is the loss backpropagated, in functions the file calls only under
    `torch.no_grad()` (a `to_rgb` called from an `@torch.no_grad()` `log_images`), in set-up
    code outside the loop of a scope whose `backward()` is inside one (features standardised
    once before training), and in test code.

    ## Why is this bad?
    An all-zero row, a constant feature or an empty mask makes the denominator 0 and the
    result inf or NaN; the NaN spreads through the backward pass into every weight. It is
    the seed's "dividing by 0: add a small number to the denominator".

    ## Example
    ```python
    weight_norm = weight.norm(dim=1, keepdim=True)
    return weight * (self.magnitude / weight_norm)
    ```

    ## Use instead
    ```python
    weight_norm = weight.norm(dim=1, keepdim=True).clamp(min=1e-8)
    return weight * (self.magnitude / weight_norm)
    ```

    ## How dynamic mode confirms it
    `check --dynamic` feeds varied, all-zero, all-one and ±1e4 inputs and confirms the finding
    when the output or a gradient is not finite, naming the first module (NNL901).

    ## When to ignore it
    When the denominator cannot be 0 by construction (e.g. a mask that always selects at
    least one element); say so with `# noqa: NNL203`.

    ## Precision
    Opt-in (enable it with `--extend-select NNL203`): on the held-out precision set, eleven
    public repositories nobody tuned the rules on (docs/precision.md, "Held-out check"),
    4 of the 17 findings read were real mistakes (24 %), under the 90 % a default rule
    needs. The false alarms: learned embeddings divided by their own norm, eigenvectors and quaternions, denominators with a stabiliser already added (SSIM's C1), and expressions outside any gradient (visualisation, metrics, analytic Jacobians).
    Those classes are handled now (above): on the same repositories, no longer held out for
    this rule, 4 of 7 (57 %); left are a quaternion's polar angle over its own norm, a sub-pixel
    step from two projected depth samples and the std of a whole MR image. On the tuned corpus
    the one false alarm (MAE's fixed-ratio mask) is gone too.

    On the second held-out set (docs/precision.md, "Second held-out check") 0 of 18 findings
    read were real. Most were masked means over padding or length masks (counts of valid
    frames, per-sequence token counts) and random Gaussian directions divided by their norm:
    a count is reported now only for a selection by value, and Gaussian samples' norms are not
    0, which leaves 0 of 6 there (tuned on now). Left: Barlow Twins' batch standardisation by
    the std, a spectral-convergence loss over a batch's Frobenius norm, a PCA bias direction
    over its norm, and per-sequence counts of `labels != -100` (which the labels judge nonempty
    by construction). The price: the tuned corpus loses three real findings, Megatron's
    `loss_mask.sum()` of a mask handed in (10 of 10 -> 7 of 7).
    """

    code = "NNL203"
    reads = ("values",)
    default_enabled = False  # under 90 % on the held-out precision set (docs/precision.md)
    # Test code asserts on fixtures (`assertLess(rmse.item(), 1e-5)`): nothing there is trained.
    checks_test_code = False
    name = "unguarded-division"
    summary = "Division by a norm, std, variance or count that can be 0, with no eps or clamp."
    fix_hint = "Add a small eps to the denominator or clamp it: x / n.clamp(min=eps)."
    invalid = (
        """\
import torch
from torch import nn

class DoRALinear(nn.Module):
    def __init__(self, base):
        super().__init__()
        self.base = base
        self.magnitude = nn.Parameter(base.weight.detach().norm(dim=1, keepdim=True))
    def decompose(self, weight):
        weight_norm = weight.norm(dim=1, keepdim=True)
        return weight * (self.magnitude / weight_norm)  # <--
""",
        """\
import torch

def masked_mean(loss, target, ignore_index=-100):
    keep = target != ignore_index
    return (loss * keep).sum() / keep.sum()  # <--

def standardize(x):
    return (x - x.mean(0)) / x.std(0)  # <--
""",
    )
    valid = (
        """\
import math
import torch
import torch.nn.functional as F

def attention(q, k):
    return q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))

def masked_mean(loss, target, ignore_index=-100):
    keep = target != ignore_index
    return (loss * keep).sum() / keep.sum().clamp(min=1)

def sequence_mean(token_logps, attention_mask):
    # every sequence of the batch has at least one real token
    return (token_logps * attention_mask).sum(-1) / attention_mask.sum(-1)

def standardize(x, eps=1e-6):
    return (x - x.mean(0)) / (x.std(0) + eps)

def unit(x):
    return F.normalize(x, dim=-1) / 2

def _balance(factors):
    norms = torch.stack([q.norm() for q in factors])
    return norms.prod() / norms

def trust_ratio(w, g):
    w_norm, g_norm = w.norm(), g.norm()
    return torch.where(g_norm > 0, w_norm / g_norm, torch.ones_like(w_norm))
""",
        """\
import torch
from torch import nn
class Preconditioner(nn.Module):
    def __init__(self, sigma_data=0.5):
        super().__init__()
        self.sigma_data = sigma_data
    def forward(self, x, sigma):
        c_skip = self.sigma_data ** 2 / (sigma ** 2 + self.sigma_data ** 2)
        return c_skip * x
def mixing_scale(t):
    return 1.0 / ((1.0 - t) ** 2 + t ** 2)
def token_loss_mean(loss):
    kept = (loss != 0).sum(dim=-1)
    kept[kept == 0] = 1
    return loss.sum(dim=-1) / kept
def unit_columns(b):
    norms = torch.linalg.norm(b, dim=0)
    u = torch.zeros_like(b)
    nonzero = norms > 1e-12
    u[:, nonzero] = b[:, nonzero] / norms[nonzero]
    return u
""",
    )

    def check(self, facts, report) -> None:
        for site in facts.numeric_sites:
            if site.kind != "division" or site.compared or not site.in_training_code:
                continue
            if any(value.op in (ZERO_ABLE, SQUARE_SUM) for value in site.values):
                report(
                    site.operand,
                    "division by a norm, std, variance or count that is 0 for an all-zero, constant or "
                    "empty input: inf/NaN that spreads into every gradient. Add a small eps or clamp "
                    "the denominator.",
                )
