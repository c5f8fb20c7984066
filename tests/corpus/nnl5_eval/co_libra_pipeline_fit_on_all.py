# nnlint-expect: NNL504
# source: https://github.com/Palashio/libra/issues/68
# The preprocessing helper fits the scaling pipeline on train and test concatenated, then
# splits them back apart for the torch regressor.
import pandas as pd
import torch
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler


def initial_preprocessor(X_train, X_test):
    combined = pd.concat([X_train, X_test], axis=0)
    pipeline = Pipeline([("scaler", MinMaxScaler())])
    pipeline.fit(combined)
    X_train = pipeline.transform(X_train)
    X_test = pipeline.transform(X_test)
    return torch.tensor(X_train, dtype=torch.float32), torch.tensor(X_test, dtype=torch.float32)
