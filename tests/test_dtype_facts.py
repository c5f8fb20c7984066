"""NNL505's dtype facts on real shapes: what scikit-learn scalers and pandas hand back, bare
torch.nn layers and Flatten-first Sequentials as float models, and a course's deliberate
error demonstration (nnlint.analysis.paths.dtypes)."""

from __future__ import annotations

import textwrap

from nnlint.lint import lint_source


def _codes(source: str) -> list[str]:
    return [d.code for d in lint_source(textwrap.dedent(source).encode(), "m.py", {"NNL505"})]


SCALED = """\
    import numpy as np
    import torch
    import torch.nn as nn
    from sklearn.preprocessing import StandardScaler

    X = np.random.rand(100, 8){conversion}
    scaler = StandardScaler()
    X_scaled = scaler.fit_transform(X)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
    out = model(torch.from_numpy(X_scaled))
    """


def test_a_scaler_keeps_float32_and_makes_float64_of_anything_else() -> None:
    assert _codes(SCALED.format(conversion=".astype(np.float32)")) == []
    assert _codes(SCALED.format(conversion="")) == ["NNL505"]


def test_a_scaler_of_data_of_unknown_dtype_says_nothing() -> None:
    assert _codes(SCALED.replace("np.random.rand(100, 8){conversion}", "load_features()")) == []


PANDAS = """\
    import pandas as pd
    import torch
    import torch.nn as nn

    df = pd.read_csv("data.csv")
    x = torch.from_numpy(df[["a", "b"]].{read})
    net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
    pred = net(x)
    """


def test_a_dataframes_values_are_not_float32() -> None:
    assert _codes(PANDAS.format(read="values")) == ["NNL505"]
    assert _codes(PANDAS.format(read="to_numpy()")) == ["NNL505"]
    assert _codes(PANDAS.format(read="to_numpy(dtype='float32')")) == []
    assert _codes(PANDAS.format(read="values).float(") ) == []
    # Named before the conversion, as a post writes it: the name keeps the frame's dtype.
    named = PANDAS.replace('x = torch.from_numpy(df[["a", "b"]].{read})',
                           'features = df[["a", "b"]].{read}\n    x = torch.from_numpy(features)')
    assert _codes(named.format(read="values")) == ["NNL505"]
    assert _codes(named.format(read="values.astype('float32')")) == []


def test_a_bare_layer_and_a_flatten_first_sequential_are_float_models() -> None:
    bare = """\
        import numpy as np
        import torch
        import torch.nn as nn

        layer = nn.Linear(3, 3)
        out = layer(torch.from_numpy(np.random.rand(4, 3)){fix})
        """
    assert _codes(bare.format(fix="")) == ["NNL505"]
    assert _codes(bare.format(fix=".float()")) == []
    flatten = """\
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        images = torch.randint(0, 255, (8, 1, 28, 28){dtype})
        logits = model(images)
        """
    assert _codes(flatten.format(dtype="")) == ["NNL505"]
    assert _codes(flatten.format(dtype=", dtype=torch.float32")) == []


DEMONSTRATION = """\
    import torch
    import torchvision

    model = torchvision.models.resnet18()
    image = torchvision.io.read_image("pizza.jpg")

    {comment}
    with torch.inference_mode():
        {call}

    {fixed}
    """


def test_an_error_shown_on_purpose_is_not_reported() -> None:
    said = DEMONSTRATION.format(comment="# Try a prediction on the uint8 image (this will error)",
                                call="model(image.unsqueeze(0))", fixed="")
    assert _codes(said) == []
    shown_then_fixed = DEMONSTRATION.format(
        comment="# Try a prediction on the uint8 image", call="model(image.unsqueeze(0))",
        fixed='image = torchvision.io.read_image("pizza.jpg").type(torch.float32) / 255.')
    assert _codes(shown_then_fixed) == []
    # The bug: the prediction is used and nothing converts the image.
    used = DEMONSTRATION.format(comment="# Predict", call="pred = model(image.unsqueeze(0)).argmax(1)", fixed="")
    assert _codes(used) == ["NNL505"]
