# nnlint-expect: NNL603
# source: https://apxml.com/courses/getting-started-with-pytorch/chapter-6-implementing-training-loop/updating-weights-optimizer
# The course's loop with the line it is about left out, pasted as three lines of a loop (model,
# criterion and optimizer "already defined"): gradients are computed every batch and never applied.
for inputs, labels in train_loader:
    optimizer.zero_grad()
    outputs = model(inputs)
    loss = criterion(outputs, labels)
    loss.backward()
