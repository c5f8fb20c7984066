# nnlint-expect: clean
# source: https://theneuralbase.com/pytorch/learn/beginner/forward-pass-loss-backward-step/
# The page's production tip in the same indented fragment: zero_grad() at the start of every
# iteration, clipping before the step.
    model.train()
    for epoch in range(100):
        optimizer.zero_grad()
        output = model(X)
        loss = criterion(output, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
