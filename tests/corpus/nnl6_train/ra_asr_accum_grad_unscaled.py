# nnlint-expect: NNL609
# source: https://github.com/hirofumi0810/neural_sp/issues/168
# Gradients are accumulated over `accum_grad_n_steps` mini-batches before each update, but
# the loss that is back-propagated is never divided by that number (the issue: "should
# divide loss by accum_grad_n_steps"), so every update is n times too large.
import torch


def train(model, train_set, optimizer, args):
    model.train()
    optimizer.zero_grad()
    accum_n_steps = 0
    for step, batch in enumerate(train_set):
        loss, observation = model(batch)
        loss.backward()
        accum_n_steps += 1
        if step % args.accum_grad_n_steps == 0:
            if args.clip_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad_norm)
            optimizer.step()
            optimizer.zero_grad()
            accum_n_steps = 0
        if step % 100 == 0:
            print(step, observation["loss"])
