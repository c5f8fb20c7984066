from nnlint.analysis.paths.dtypes import FLOAT64, INTEGER, NUMPY, UINT8
from nnlint.rules.base import Rule

_DESCRIBED = {
    FLOAT64: "float64",
    INTEGER: "an integer tensor",
    UINT8: "a uint8 tensor",
    NUMPY: "a tensor with the numpy array's dtype (float64 or integer unless made float32)",
}


class NonFloatModelInput(Rule):
    """
    ## What it does
    Follows tensors from where they get their dtype to a float32 model or operation and
    reports the ones that arrive as float64, integer or uint8: `torch.from_numpy` of numpy
    data (numpy's default float is float64; `np.load` keeps whatever was saved),
    `torch.tensor(np_array)` of float64 data, a pandas DataFrame's `.values` /
    `.to_numpy()` (the columns' float64 or int64), a scikit-learn scaler's output of
    non-float32 data (a scaler keeps float32 float32), `.double()`, `.long()`, `torch.randint`,
    `torch.LongTensor`, fed to a model of the file whose `forward` passes that argument to a
    Linear/Conv/RNN/norm layer, to an `nn.Sequential` whose first value-reading layer (past
    `Flatten`/`Dropout`) has weights, a bare `nn.Linear`/`nn.Conv2d` used as the model, a torchvision model, or to
    `torch.mm`/`matmul` with a float32 operand (also through a helper function). The
    finding sits where the dtype comes from, which is where `.float()` belongs.

    ## Why is this bad?
    Layers hold float32 weights: float64 or integer inputs stop the run with "expected
    scalar type Double but found Float" or "Input type (Byte) and weight type (Float)
    should be the same" — or, after a careless cast, integer pixel values in [0, 255] reach
    a network that expects small floats. The seed: "your data might be of type integer but
    should be float32".

    ## Example
    ```python
    X = torch.from_numpy(np.random.randn(100, 10))  # float64
    out = model(X)
    ```

    ## Use instead
    ```python
    X = torch.from_numpy(np.random.randn(100, 10)).float()
    out = model(X)
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    When the model itself was converted with `model.double()` (float64 inputs are then
    right; nnlint already skips models it sees converted). Integer ids into `nn.Embedding`,
    integer targets into cross-entropy and uint8 images converted with `.float()` before
    the first layer are correct and not reported. An error shown on purpose is not reported
    either: a call whose comments say it fails ("# this will error", "# raises
    RuntimeError"), or a model call whose result is thrown away and whose input the file
    then builds again converted to float (a course showing the error, then the fix).

    ## Precision
    Opt-in (enable it with `--extend-select NNL505`): on the held-out precision set, eleven
    public repositories (docs/precision.md, "Held-out check"), 0 of the 3 findings read were
    real mistakes when it was first measured: each was a uint8 image fed on purpose in a course
    notebook to show the error it raises. Errors shown on purpose are left alone now and the set
    gives no finding; the tuned corpus gives none either, so there is no real finding on real
    code to stand on yet. That set was read to find this class, so it no longer counts as held
    out for this rule: whether it goes on by default is decided on a fresh set.
    """

    code = "NNL505"
    reads = ("paths",)
    default_enabled = False  # under 90 % on the held-out precision set (docs/precision.md)
    name = "non-float-model-input"
    summary = "Integer, uint8 or float64 tensors are fed to a float32 model."
    fix_hint = "Convert the inputs with `.float()` (and scale images with `/ 255.`); keep ids as long for Embedding."
    invalid = (
        """\
import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
X = torch.from_numpy(np.random.randn(100, 10))  # <--
pred = model(X)
""",
        """\
import numpy as np
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(8 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).flatten(1))

images = np.load("mnist_uint8.npy")
data = torch.from_numpy(images).unsqueeze(1)  # <--
model = Net()
out = model(data[:64])
""",
        """\
import torch
import torch.nn as nn

class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.meta = nn.Linear(1, 16)

    def forward(self, labels):
        return self.meta(labels)

model = Tagger()
labels = torch.randint(0, 3, (4, 1))  # <--
out = model(labels)
""",
    )
    valid = (
        """\
import numpy as np
import torch
import torch.nn as nn

class TextAndNumeric(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(1000, 32)
        self.num = nn.Linear(5, 16)
        self.out = nn.Linear(48, 3)

    def forward(self, token_ids, numeric):
        return self.out(torch.cat([self.emb(token_ids).mean(1), self.num(numeric)], dim=1))

token_ids = torch.from_numpy(np.random.randint(0, 1000, (8, 20)))  # integer ids into nn.Embedding
numeric = torch.from_numpy(np.random.randn(8, 5)).float()
labels = torch.tensor(np.random.randint(0, 3, 8), dtype=torch.long)  # integer targets
model = TextAndNumeric()
loss = nn.CrossEntropyLoss()(model(token_ids, numeric), labels)
""",
        """\
import torch
import torch.nn as nn

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 32, 8, 4)

    def forward(self, obs):
        return self.conv(obs.float() / 255.0)

enc = Encoder()
frames = torch.randint(0, 256, (2, 4, 84, 84), dtype=torch.uint8)
features = enc(frames)
""",
        """\
import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())
images = np.load("images_uint8.npy")
x = torch.from_numpy(images).float() / 255.0
out = model(x)
""",
        """\
import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(10, 1)).double()
X = torch.from_numpy(np.random.randn(100, 10))
out = model(X)
""",
    )

    def check(self, facts, report) -> None:
        paths = facts.paths
        if paths is None or paths.dtypes is None:
            return
        seen: set[int] = set()
        for flow in paths.dtypes.flows:
            if id(flow.origin) in seen:
                continue
            seen.add(id(flow.origin))
            report(
                flow.origin,
                f"this gives {_DESCRIBED.get(flow.dtype, flow.dtype)}, which reaches {flow.target} "
                f"({report.where(flow.sink)}) with float32 weights: a dtype error, or integer values where floats "
                "are expected. Convert with `.float()`.",
                related=[(flow.sink, "the float32 model/operation gets it here")],
            )
