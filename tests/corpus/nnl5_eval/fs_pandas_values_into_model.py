# nnlint-expect: NNL505
# source: https://duoke360.com/post/34261
# The post's DataFrame-to-tensor route without its ".float()": df[...].values is float64, and
# from_numpy keeps it, so the float32 network gets a double tensor. The model is an nn.Sequential
# built in the cell above (no imports in the paste).
net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
features = df[['feature1', 'feature2']].values
labels = df['label'].values
features_tensor = torch.from_numpy(features)
labels_tensor = torch.from_numpy(labels).long()
logits = net(features_tensor)
loss = F.cross_entropy(logits, labels_tensor)
