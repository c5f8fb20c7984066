# nnlint-expect: clean
# source: https://github.com/AammarTufail/python-ka-chilla-2024/issues/5
# The issue asks for fit_transform on X_test; the notebook is right as it is: fit on the
# training split, transform the test split with the same scaler.
import torch
import torch.nn as nn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)
scaler = StandardScaler()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)

model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
xt = torch.tensor(X_train, dtype=torch.float32)
yt = torch.tensor(y_train, dtype=torch.float32)
for _ in range(100):
    opt.zero_grad()
    nn.functional.binary_cross_entropy_with_logits(model(xt).squeeze(1), yt).backward()
    opt.step()
with torch.no_grad():
    preds = model(torch.tensor(X_test, dtype=torch.float32)).squeeze(1) > 0
