# nnlint-expect: NNL603
# source: https://theneuralbase.com/pytorch/learn/beginner/training-loop-structure/
for epoch in range(epochs):
    for xb, yb in train_dl:
        loss = loss_func(model(xb), yb)
        loss.backward()
        opt.zero_grad()
        opt.step()
