from nnlint.rules.dynamic_rule import DynamicRule


class VanishingGradients(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic`: after one backward pass on a random batch,
    compares the root-mean-square gradient of the first weight matrix with that of the
    last one, and reports a ratio below the threshold (default 1e-3).

    ## Why is this bad?
    When the first layers get a thousandth of the gradient of the last ones they barely
    train: the network behaves as a shallow model on top of random features. Deep plain
    stacks of sigmoid/tanh layers without normalization or skip connections do this.

    ## Example
    ```python
    layers = []
    for _ in range(20):
        layers += [nn.Linear(64, 64), nn.Sigmoid()]
    self.body = nn.Sequential(*layers)
    ```

    ## Use instead
    ```python
    for _ in range(20):
        layers += [nn.Linear(64, 64), nn.LayerNorm(64), nn.ReLU()]  # or residual blocks
    ```

    ## How dynamic mode confirms it
    This is a dynamic finding; it also confirms NNL402 (deep plain stack).

    ## When to ignore it
    When the first layers are frozen or pretrained on purpose.

    ## Options
    `min-ratio` (default 0.001): the first-to-last gradient ratio below which it is reported.
    """

    code = "NNL905"
    reads = ()
    name = "vanishing-gradients"
    summary = "The first layer gets a tiny fraction of the last layer's gradient (dynamic)."
    fix_hint = "Add normalization or skip connections, use ReLU-like activations, or a better initialization."
    options = {"min-ratio": float}
    defaults = {"min-ratio": 1e-3}
