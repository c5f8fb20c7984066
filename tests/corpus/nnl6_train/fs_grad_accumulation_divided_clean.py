# nnlint-expect: clean
# source: https://discuss.pytorch.org/t/pytorch-gradient-accumulation/55955
# The thread's loop: the loss is divided by accumulation_steps before backward().
model.zero_grad()
for i, (inputs, labels) in enumerate(training_set):
    predictions = model(inputs)
    loss = loss_function(predictions, labels)
    loss = loss / accumulation_steps
    loss.backward()
    if (i + 1) % accumulation_steps == 0:
        optimizer.step()
        model.zero_grad()
