# nnlint-expect: NNL602
# source: https://github.com/affaan-m/ECC/pull/3122
# A pretraining loop in the style of a from-scratch LLM book: the batch loss comes from a
# helper, backward and step run per batch, nothing clears the gradients.
import torch
import torch.nn.functional as F


def calc_loss_batch(input_batch, target_batch, model, device):
    input_batch, target_batch = input_batch.to(device), target_batch.to(device)
    logits = model(input_batch)
    return F.cross_entropy(logits.flatten(0, 1), target_batch.flatten())


def train_model_simple(model, train_loader, optimizer, device, num_epochs, eval_freq=100):
    tokens_seen, global_step = 0, -1
    for epoch in range(num_epochs):
        model.train()
        for input_batch, target_batch in train_loader:
            loss = calc_loss_batch(input_batch, target_batch, model, device)
            loss.backward()
            optimizer.step()
            tokens_seen += input_batch.numel()
            global_step += 1
            if global_step % eval_freq == 0:
                print(f"ep {epoch} step {global_step}: {loss.item():.3f}")
    return tokens_seen
