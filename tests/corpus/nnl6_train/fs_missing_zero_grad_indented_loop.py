# nnlint-expect: NNL602
# source: https://preproom.ai/learn/model-training-pytorch.html
# The page's canonical loop with the line it warns about left out, pasted from inside a function
# (indented as a block): gradients of every epoch pile up in .grad.
    model.train()
    for epoch in range(200):
        pred = model(x)
        loss = criterion(pred, y)
        loss.backward()
        optimizer.step()
