# nnlint-expect: NNL504
# source: https://codemia.io/knowledge-hub/path/scikit_learn_-_fit_transform_on_the_test_set
scaler = StandardScaler()
X_train_scaled = scaler.fit_transform(X_train)
X_test_scaled = scaler.fit_transform(X_test)
inputs = torch.tensor(X_test_scaled, dtype=torch.float32)
