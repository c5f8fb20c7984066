"""NNL504 on the data-path shapes of real notebooks: a Pipeline holding a scaler, train and
test joined before the fit, and the split taking the scaled copy (nnlint.analysis.paths.preprocessing)."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source


def _codes(source: str) -> list[str]:
    return [d.code for d in lint_source(textwrap.dedent(source).encode(), "m.py", {"NNL504"})]


JOINED = """\
    import pandas as pd
    import torch
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def prepare(X_train, X_test):
        combined = pd.concat([X_train, X_test], axis=0)
        print(combined.describe())
        pipeline = make_pipeline(StandardScaler())
        pipeline.fit({fitted})
        return pipeline.transform(X_train), pipeline.transform(X_test)
    """


def test_a_pipeline_fitted_on_train_and_test_joined_is_reported() -> None:
    assert _codes(JOINED.format(fitted="combined")) == ["NNL504"]
    assert _codes(JOINED.format(fitted="X_train")) == []


def test_a_pipeline_without_a_scaler_is_not_a_scaler() -> None:
    source = JOINED.format(fitted="combined").replace("make_pipeline(StandardScaler())", "make_pipeline(Imputer())")
    assert _codes(source) == []


SPLIT_AFTER = """\
    import numpy as np
    import torch
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler()
    scaler.fit({fitted})
    X_std = scaler.transform(features)
    X_train, X_test, y_train, y_test = train_test_split(np.asarray(X_std), labels, test_size=0.2)
    """


def test_a_split_of_the_scaled_copy_comes_after_a_fit_on_all_data() -> None:
    assert _codes(SPLIT_AFTER.format(fitted="features")) == ["NNL504"]
