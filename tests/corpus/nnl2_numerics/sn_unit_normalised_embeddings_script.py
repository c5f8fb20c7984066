# nnlint-expect: NNL203
# source: https://blog.51cto.com/u_16213299/7145640
for x, y in loader:
    optimizer.zero_grad()
    emb = encoder(x)
    emb = emb / emb.norm(dim=1, keepdim=True)
    loss = F.mse_loss(emb, y)
    loss.backward()
    optimizer.step()
