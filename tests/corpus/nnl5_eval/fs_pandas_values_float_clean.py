# nnlint-expect: clean
# source: https://duoke360.com/post/34261
# The post's version: .float() on the features (float32), .long() on the class labels.
net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
features = df[['feature1', 'feature2']].values
labels = df['label'].values
features_tensor = torch.from_numpy(features).float()
labels_tensor = torch.from_numpy(labels).long()
logits = net(features_tensor)
loss = F.cross_entropy(logits, labels_tensor)
