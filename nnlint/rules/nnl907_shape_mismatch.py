from nnlint.rules.dynamic_rule import DynamicRule


class ShapeMismatch(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic` and `nnlint probe`: before any other probe, each
    model's forward runs once, with a batch of two on the CPU, or, for a model too big to
    build within the memory limit, on the meta device (shapes only: no memory, no
    compute). The input
    is the one given (`--input`, `input` in `[tool.nnlint.dynamic.models]`, one shape per
    forward argument) or the one inferred from the first layer with weights. When forward
    raises, forward pre-hooks say which layer was running and what it got; the finding
    names that layer, the shape it got, the shape it expects and the attribute value that
    would fit (`in_features=4096`), at the line that builds the layer. A `view(-1, K)` /
    `reshape` whose hand-computed `K` is a later `Linear`'s `in_features` but not the
    number of features per sample is reported at that `Linear`.

    Only a mismatch the layer's own attributes explain is reported: a `Linear`'s
    `in_features` against the last dimension it gets, a convolution's `in_channels`
    (and its rank), a batch or group norm's channels, a `LayerNorm`'s
    `normalized_shape`, an RNN's `input_size`. The first layer with weights forward
    enters is never reported: its input is nnlint's guess (a rejected `--input` has an
    error of its own). An inferred image input is tried at 32, 28, 64, 224 and 16 pixels
    and then at other square sizes up to 512: a model that fits any of them is probed at
    that size and not reported; otherwise the mismatch at the first size tried (32×32) is
    reported. Give `input` for another size.

    ## Why is this bad?
    "mat1 and mat2 shapes cannot be multiplied" is the first error most people hit, and
    it comes only when the script runs, often after minutes of data loading. A flattened
    size computed by hand (`16 * 5 * 5`) is wrong as soon as a kernel size, padding, stride
    or the image size changes.

    ## Example
    ```python
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.fc1 = nn.Linear(64 * 6 * 6, 128)  # 32x32 input: 64 * 8 * 8 features arrive

        def forward(self, x):
            return self.fc1(torch.flatten(self.features(x), 1))
    ```

    ## Use instead
    ```python
            self.fc1 = nn.LazyLinear(128)        # or nn.Linear(64 * 8 * 8, 128)
    ```

    ## How dynamic mode confirms it
    This is a dynamic finding. A model with a shape mismatch cannot be probed further:
    the static findings on it get "not checked" naming the mismatch.

    ## When to ignore it
    When the model is meant for another input size than the one tried: give it as
    `input` in `[tool.nnlint.dynamic.models."pkg.module:Net"]` (or `--input`).
    """

    code = "NNL907"
    reads = ()
    name = "shape-mismatch"
    summary = "A layer gets a tensor of another shape than it was built for (dynamic)."
    fix_hint = "Use the number the finding says would fit, or compute it from a dummy forward (or nn.LazyLinear)."
    severity = "error"
