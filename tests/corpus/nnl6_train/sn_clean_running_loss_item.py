# nnlint-expect: clean
# source: https://androidkt.com/how-to-calculate-running-loss-using-loss-item-in-pytorch/
running_loss = 0.0
for inputs, labels in dataloader:
    optimizer.zero_grad()
    outputs = model(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
    optimizer.step()
    running_loss += loss.item() * inputs.size(0)
