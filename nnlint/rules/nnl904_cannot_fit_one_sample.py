from nnlint.rules.dynamic_rule import DynamicRule


class CannotFitOneSample(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic`: the seed's first experiment, "fitting one item
    datasets". A copy of the model is trained on a dataset of one random sample per class
    (at most 10 classes) with cross-entropy and Adam (learning rate 1e-3) for a bounded
    number of steps; the classes whose sample it still gets wrong are reported.

    ## Why is this bad?
    Any working classifier memorises a handful of samples almost at once. A model that
    cannot is broken in a way more data will not fix: symmetric or zero weights, a
    softmax fed to cross-entropy, a detached or unregistered layer, an output that does not
    depend on the input.

    ## Example
    ```python
    for m in self.modules():
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.0)  # the hidden units can never differ
    ```

    ## Use instead
    ```python
    # keep PyTorch's default initialization, or nn.init.kaiming_normal_(m.weight)
    ```

    ## How dynamic mode confirms it
    This is a dynamic finding. A separate copy per class trained on its single sample is
    not used: the output bias alone fits one sample, so that would pass for any model.

    ## When to ignore it
    When the model needs far more steps by design (very deep models without normalization
    trained with a tiny learning rate); raise `steps` rather than ignoring it.

    ## Options
    `steps` (default 100): training steps; `learning-rate` (default 0.001) for Adam.
    """

    code = "NNL904"
    reads = ()
    name = "cannot-fit-one-sample"
    summary = "The model cannot memorise one sample per class in a bounded number of steps (dynamic)."
    fix_hint = "Look for symmetric/zero init, a softmax before cross-entropy, or layers that receive no gradient."
    options = {"steps": int, "learning-rate": float}
    defaults = {"steps": 100, "learning-rate": 1e-3}
