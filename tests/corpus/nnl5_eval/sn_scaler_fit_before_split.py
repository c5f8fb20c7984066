# nnlint-expect: NNL504
# source: https://theneuralbase.com/feature-engineering-for-ml/learn/beginner/scaling-leak-fit-on-all-data/
# nnlint-xfail: StandardScaler and train_test_split are used without their sklearn imports; only torch's and numpy's conventional names are assumed
X, y = load_iris(return_X_y=True)
scaler = StandardScaler()
X_scaled = scaler.fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.3, random_state=42)
train_x = torch.tensor(X_train, dtype=torch.float32)
