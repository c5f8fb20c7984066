from nnlint.rules.base import Rule


class UnscaledImageInput(Rule):
    """
    ## What it does
    Finds image data decoded as `uint8` (0-255: `torchvision.io.read_image`, `pil_to_tensor`,
    a numpy array of dtype `uint8`, a `ByteTensor`) that is converted to float (`.float()`,
    `.to(torch.float32)`, `torch.tensor(a, dtype=torch.float32)`) and fed to a model with no
    `/ 255`, `.div(255)` or normalization in between.

    ## Why is this bad?
    A network initialised for inputs of about unit scale gets values up to 255. The first
    layer's pre-activations are hundreds of times too large: activations saturate, gradients
    explode or the loss is NaN, and a pretrained model (whose weights expect inputs in [0, 1]
    then normalized) sees something it was never trained on and predicts one class. The seed's
    "normalize your inputs" and "check your preprocessing" are this bug.

    ## Example
    ```python
    img = torchvision.io.read_image("cat.jpg").float().unsqueeze(0)
    logits = model(img)
    ```

    ## Use instead
    ```python
    img = torchvision.io.read_image("cat.jpg").float().div(255).unsqueeze(0)
    # or transforms.v2.ToDtype(torch.float32, scale=True), ConvertImageDtype, then Normalize
    logits = model(img)
    ```

    ## Dynamic mode
    Not checked: `check --dynamic` does not confirm or refute this finding.

    ## When to ignore it
    When the model scales its input itself (a first layer that divides by 255 or a
    normalization module inside `forward`) — the rule does not look inside the model. Data
    passed through a transform, a helper function or a DataLoader is not followed, so a
    `ToTensor()` pipeline is never reported; a `uint8` tensor fed without conversion is
    NNL505's.
    """

    code = "NNL507"
    reads = ("paths",)
    name = "unscaled-image-input"
    summary = "uint8 image data (0-255) is converted to float and fed to a model without scaling or normalization."
    fix_hint = "Divide by 255 (or use ToDtype(scale=True) / ConvertImageDtype) and normalize before the model."
    invalid = (
        """\
import torch
import torchvision
from torchvision.io import read_image

model = torchvision.models.resnet18(weights="DEFAULT").eval()
img = read_image("cat.jpg").float().unsqueeze(0)  # <--
with torch.no_grad():
    logits = model(img)
""",
        """\
import numpy as np
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)

    def forward(self, x):
        return self.conv(x)

def train(images):
    model = Net()
    x = torch.tensor(images.astype(np.uint8), dtype=torch.float32)  # <--
    return model(x.unsqueeze(1))
""",
    )
    valid = (
        """\
import torch
import torchvision
from torchvision.io import read_image

model = torchvision.models.resnet18(weights="DEFAULT").eval()
img = read_image("cat.jpg").float() / 255.0
scaled = read_image("dog.jpg").to(torch.float32).div(255)
with torch.no_grad():
    a = model(img.unsqueeze(0))
    b = model(scaled.unsqueeze(0))
""",
        """\
import numpy as np
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(784, 10))
pixels = np.zeros((8, 784), dtype=np.float32)
mask = torch.from_numpy(np.zeros((8, 784), dtype=np.uint8)).float()
out = model(torch.from_numpy(pixels) * mask)
""",
    )

    def check(self, facts, report) -> None:
        paths = facts.paths
        if paths is None or paths.dtypes is None:
            return
        seen: set[int] = set()
        for flow in paths.dtypes.unscaled:
            if id(flow.origin) in seen:
                continue
            seen.add(id(flow.origin))
            report(
                flow.origin,
                f"this turns uint8 pixels (0-255) into floats without scaling, and they reach {flow.target} "
                f"({report.where(flow.sink)}) unscaled: the first layer gets inputs hundreds of times too large, "
                "and a pretrained model sees data unlike its training images. Divide by 255 and normalize.",
                related=[(flow.sink, "the model gets the unscaled pixels here")],
            )
