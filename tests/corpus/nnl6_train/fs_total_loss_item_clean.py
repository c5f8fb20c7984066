# nnlint-expect: clean
# source: http://pytorch.org/docs/master/notes/faq.html
# The FAQ's fix: accumulate the Python number, loss.item().
total_loss = 0
for i, (inputs, targets) in enumerate(loader):
    optimizer.zero_grad()
    output = model(inputs)
    loss = criterion(output, targets)
    loss.backward()
    optimizer.step()
    total_loss += loss.item()
print(total_loss / len(loader))
