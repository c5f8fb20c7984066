# nnlint-expect: NNL504
# source: https://github.com/intro-stat-learning/ISLP_labs/issues/21
# The lab standardises the whole feature matrix and only then splits train and test, so
# the test rows shaped the scaling statistics.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

Caravan = pd.read_csv("Caravan.csv")
Purchase = (Caravan["Purchase"] == "Yes").astype(int).values
feature_df = Caravan.drop(columns=["Purchase"])
scaler = StandardScaler(with_mean=True, with_std=True, copy=True)
scaler.fit(feature_df)
X_std = scaler.transform(feature_df)
X_train, X_test, y_train, y_test = train_test_split(np.asarray(X_std), Purchase, test_size=1000, random_state=0)

clf = nn.Sequential(nn.Linear(X_train.shape[1], 1))
opt = torch.optim.SGD(clf.parameters(), lr=0.1)
xt = torch.tensor(X_train, dtype=torch.float32)
yt = torch.tensor(y_train, dtype=torch.float32)
for _ in range(100):
    opt.zero_grad()
    nn.functional.binary_cross_entropy_with_logits(clf(xt).squeeze(1), yt).backward()
    opt.step()
