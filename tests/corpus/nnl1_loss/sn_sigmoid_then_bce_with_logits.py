# nnlint-expect: NNL103
# source: https://www.iodraw.com/en/blog/210533418
head = nn.Sequential(nn.Linear(32, 3), nn.Sigmoid())
criterion = nn.BCEWithLogitsLoss()
for x, label in loader:
    optimizer.zero_grad()
    loss = criterion(head(x), label)
    loss.backward()
    optimizer.step()
