# nnlint-expect: NNL605
# source: http://pytorch.org/docs/master/notes/faq.html
# The FAQ's "don't accumulate history across your training loop", as a pasted top-level loop:
# total_loss sums the loss tensors themselves, so every iteration's graph stays alive.
total_loss = 0
for i, (inputs, targets) in enumerate(loader):
    optimizer.zero_grad()
    output = model(inputs)
    loss = criterion(output, targets)
    loss.backward()
    optimizer.step()
    total_loss += loss
print(total_loss / len(loader))
