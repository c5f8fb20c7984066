from nnlint.rules.dynamic_rule import DynamicRule


class ExplodingGradients(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic`: after one backward pass on a random batch,
    compares the root-mean-square gradient of the first weight matrix with that of the
    last one, and reports a ratio above the threshold (default 1000).

    ## Why is this bad?
    Gradients that grow by orders of magnitude towards the input make the first layers
    take huge steps: the loss jumps around or becomes NaN. Large initial weights and deep
    stacks without normalization cause it.

    ## Example
    ```python
    for m in self.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=1.0)  # far too large for 512 inputs
    ```

    ## Use instead
    ```python
            nn.init.kaiming_normal_(m.weight)  # std = sqrt(2 / fan_in)
    ```

    ## How dynamic mode confirms it
    This is a dynamic finding.

    ## When to ignore it
    When gradients are clipped on purpose and the first layers are meant to move fast.

    ## Options
    `max-ratio` (default 1000): the first-to-last gradient ratio above which it is reported.
    """

    code = "NNL906"
    reads = ()
    name = "exploding-gradients"
    summary = "The first layer gets a gradient orders of magnitude above the last layer's (dynamic)."
    fix_hint = "Scale the initialization (kaiming/xavier), add normalization, or clip gradients."
    options = {"max-ratio": float}
    defaults = {"max-ratio": 1e3}
