from nnlint.rules.dynamic_rule import DynamicRule


class ConstantPrediction(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic`: the model (in eval mode) is given 64 different
    inputs; it is reported when its output is the same for all of them, or when it
    predicts the same class (argmax) for all of them.

    ## Why is this bad?
    This is "my network always predicts the same class" before any training: the input
    does not reach the output (a zero or constant layer, a detached branch, a saturated
    activation), so training can only learn the class prior.

    ## Example
    ```python
    for m in self.modules():
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)  # every input gives the same output
    ```

    ## Use instead
    ```python
    for m in self.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight)
    ```

    ## How dynamic mode confirms it
    This is a dynamic finding.

    ## When to ignore it
    When the model is meant to start from a constant output (e.g. a zero-initialized head
    whose predictions are uniform at first) and its other layers are random; the
    one-item-per-class probe (NNL904) then shows that it still learns.
    """

    code = "NNL903"
    reads = ()
    name = "constant-prediction"
    summary = "The model predicts the same output or class for every input (dynamic)."
    fix_hint = "Find the layer that makes the output independent of the input (constant init, detached branch)."
