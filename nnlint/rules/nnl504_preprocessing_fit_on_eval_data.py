from nnlint.catalogue.names import EVAL_DATA_NAME, TRAIN_DATA_NAME
from nnlint.rules.base import Rule

_FITS = ("fit", "fit_transform", "partial_fit")


class PreprocessingFitOnEvalData(Rule):
    """
    ## What it does
    Finds a scaler or normalizer (`StandardScaler`, `MinMaxScaler`, `RobustScaler`, ...)
    fitted on test or validation data — `scaler.fit_transform(X_test)`,
    `scaler.fit(X_val)` — or fitted on the whole data set before `train_test_split` (also when
    the split takes the scaled copy, `X_std = scaler.transform(X)`, through `np.asarray(...)`),
    or on training and test data joined (`pd.concat([X_train, X_test])`). A scikit-learn
    `Pipeline` / `make_pipeline` with a scaler among its steps counts as a scaler.

    ## Why is this bad?
    Statistics of the evaluation data leak into the preprocessing, so the test score is
    optimistic; and when the test data gets its own fit, train and test are scaled
    differently — the seed's "make sure you use the same preprocessing for training and
    testing". Refitting on a single prediction batch can even map every input to zero.

    ## Example
    ```python
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.fit_transform(X_test)
    ```

    ## Use instead
    ```python
    X_train = scaler.fit_transform(X_train)
    X_test = scaler.transform(X_test)
    ```

    ## How dynamic mode confirms it
    Not checked: `check --dynamic` builds and probes models, it does not run training or
    evaluation code, so this finding gets "not checked" with that reason.

    ## When to ignore it
    Test-time adaptation that deliberately re-estimates statistics on the target domain,
    or an unsupervised setting where the "test" data is all there is.
    """

    code = "NNL504"
    reads = ("paths",)
    name = "preprocessing-fit-on-eval-data"
    summary = "A scaler/normalizer is fitted on test or validation data (or on all data before the split)."
    fix_hint = "Fit on the training split only, then call `.transform` on validation/test data."
    severity = "error"
    invalid = (
        """\
import torch
from sklearn.preprocessing import StandardScaler

scaler = StandardScaler()
X_train = torch.tensor(scaler.fit_transform(X_train), dtype=torch.float32)
X_test = torch.tensor(scaler.fit_transform(X_test), dtype=torch.float32)  # <--
""",
        """\
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

def load(X, y):
    X = MinMaxScaler().fit_transform(X)  # <--
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    return torch.tensor(X_train, dtype=torch.float32), torch.tensor(X_test, dtype=torch.float32)
""",
    )
    valid = (
        """\
import torch
from sklearn.preprocessing import StandardScaler

scaler = StandardScaler()
X_train = torch.tensor(scaler.fit_transform(X_train), dtype=torch.float32)
X_test = torch.tensor(scaler.transform(X_test), dtype=torch.float32)
""",
        """\
import joblib
import torch

scaler = joblib.load("scaler.pkl")  # persisted with the model, reused as is
x = torch.tensor(scaler.transform(x_test), dtype=torch.float32)
""",
    )

    def check(self, facts, report) -> None:
        paths = facts.paths
        if paths is None or paths.preprocessing is None:
            return
        pre = paths.preprocessing
        for call in pre.scaler_calls:
            if call.method not in _FITS or call.data_name is None:
                continue
            if EVAL_DATA_NAME.search(call.data_name) and not TRAIN_DATA_NAME.search(call.data_name):
                report(
                    call.node,
                    f"`{call.scaler}.{call.method}` is fitted on `{call.data_name}`, evaluation data: its statistics "
                    "leak into preprocessing and train/test are scaled differently. Fit on the training split and "
                    "use `.transform` here.",
                )
                continue
            if call.data_name in pre.joined:
                report(
                    call.node,
                    f"`{call.scaler}.{call.method}` is fitted on `{call.data_name}`, training and evaluation data "
                    f"joined ({report.where(pre.joined[call.data_name])}): test statistics leak into training. "
                    "Fit on the training data only.",
                    related=[(pre.joined[call.data_name], "training and evaluation data are joined here")],
                )
                continue
            names = {call.data_name, call.result} - {None}
            # `scaler.fit(X); X_std = scaler.transform(X)`: the transformed copy is the same
            # data scaled with statistics of all of it.
            names |= {later.result for later in pre.scaler_calls
                      if later.scope is call.scope and later.index >= call.index and later.scaler == call.scaler
                      and later.data_name == call.data_name and later.result is not None}
            for split in pre.splits:
                if split.scope is call.scope and split.index > call.index and names & split.names:
                    report(
                        call.node,
                        f"`{call.scaler}.{call.method}` is fitted on all of `{call.data_name}` before the "
                        f"train/test split ({report.where(split.node)}); test statistics leak into training. Split "
                        "first, fit on the training part.",
                        related=[(split.node, "the data is split only here")],
                    )
                    break
