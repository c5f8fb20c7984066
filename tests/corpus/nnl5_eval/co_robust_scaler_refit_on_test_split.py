# nnlint-expect: NNL504
# source: https://github.com/scikit-learn/scikit-learn/pull/5800
# The scaler comparison fits the RobustScaler again on the test split (fit_transform)
# instead of reusing the one fitted on training data; here in front of a torch classifier.
import numpy as np
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import RobustScaler

X = np.random.randn(1000, 2).astype(np.float32)
y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

robust_scaler = RobustScaler()
Xtr_r = robust_scaler.fit_transform(X_train)
Xte_r = robust_scaler.fit_transform(X_test)

model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(200):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(torch.from_numpy(Xtr_r)), torch.from_numpy(y_train))
    loss.backward()
    opt.step()
acc = (model(torch.from_numpy(Xte_r)).argmax(1).numpy() == y_test).mean()
