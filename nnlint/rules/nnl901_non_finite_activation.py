from nnlint.rules.dynamic_rule import DynamicRule


class NonFiniteActivation(DynamicRule):
    """
    ## What it does
    Found only by `nnlint check --dynamic`: the model is fed edge-case inputs (random
    values, all zeros, all ones, ±1e4) and the first module whose output contains NaN or
    Inf is reported, as is a backward pass that produces NaN/Inf gradients although the
    forward output was finite (e.g. `sqrt` at 0).

    ## Why is this bad?
    One NaN in an activation makes the loss NaN and, after the next optimizer step, every
    weight NaN: the run is lost. Inputs of all zeros or constant rows happen in real data
    (padding, blank images, a constant feature), so a model that breaks on them breaks in
    training sooner or later.

    ## Example
    ```python
    class Pooling(nn.Module):
        def forward(self, x):
            weights = torch.relu(self.score(x))
            return torch.log(weights.sum(dim=1))  # log(0) = -inf on a zero input
    ```

    ## Use instead
    ```python
            return torch.log(weights.sum(dim=1).clamp_min(1e-6))
    ```

    ## How dynamic mode confirms it
    This is the dynamic finding itself; it also confirms NNL201–NNL204 when the NaN
    appears in the model the static finding is in.

    ## When to ignore it
    When the model is never given such inputs and guards against them elsewhere (e.g. the
    data pipeline removes blank samples); suppress it with `# noqa: NNL901` on the class line.
    """

    code = "NNL901"
    reads = ()
    name = "non-finite-activation"
    summary = "A module's output or the backward pass has NaN/Inf for an edge-case input (dynamic)."
    fix_hint = "Guard the log/division/sqrt that produces it with a clamp or an eps."
