# nnlint-expect: NNL609
# source: https://torchedup.dev/problems/debug-gradient-accumulation
# The page's off-by-K bug in a pasted loop: each micro-batch's mean loss is backpropagated as is,
# so the accumulated gradient is accumulation_steps times too large.
model.zero_grad()
for i, (inputs, labels) in enumerate(training_set):
    predictions = model(inputs)
    loss = loss_function(predictions, labels)
    loss.backward()
    if (i + 1) % accumulation_steps == 0:
        optimizer.step()
        model.zero_grad()
