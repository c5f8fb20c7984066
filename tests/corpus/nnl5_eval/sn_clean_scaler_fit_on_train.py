# nnlint-expect: clean
# source: https://openillumi.com/?p=105570
sc = StandardScaler()
X_train_scaled = sc.fit_transform(X_train)
X_test_scaled = sc.transform(X_test)
test_inputs = torch.tensor(X_test_scaled, dtype=torch.float32)
