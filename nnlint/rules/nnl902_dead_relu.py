from nnlint.rules.dynamic_rule import DynamicRule


class DeadRelu(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic`: over a batch of 64 varied inputs, counts the
    units of each `nn.ReLU`/`nn.ReLU6` module (features of a Linear layer, channels of a
    convolution) that output zero for every input, and reports a layer where that fraction
    reaches the threshold (default 70%).

    ## Why is this bad?
    A unit that is zero for every input passes no gradient: it never recovers and the
    layer is effectively narrower. Large fractions of dead units follow a bias initialised
    to a large negative value, a badly scaled input, or (after training) a learning rate
    that is too high.

    ## Example
    ```python
    self.fc = nn.Linear(128, 256)
    nn.init.constant_(self.fc.bias, -5.0)  # most units start below zero
    ```

    ## Use instead
    ```python
    self.fc = nn.Linear(128, 256)  # default init, or LeakyReLU/GELU
    ```

    ## How dynamic mode confirms it
    This is a dynamic finding. Only ReLU modules are observed; `F.relu` calls inside a
    `forward` are not seen by module hooks.

    ## When to ignore it
    When sparsity is intended (e.g. a gating layer that is meant to be mostly off).

    ## Options
    `dead-fraction` (default 0.7): the fraction of dead units from which a layer is reported.
    """

    code = "NNL902"
    reads = ()
    name = "dead-relu"
    summary = "Most units of a ReLU layer output zero for every input (dynamic)."
    fix_hint = "Check the initialization and input scaling; use LeakyReLU/GELU or a lower learning rate."
    options = {"dead-fraction": float}
    option_maximums = {"dead-fraction": 1.0}
    defaults = {"dead-fraction": 0.7}
