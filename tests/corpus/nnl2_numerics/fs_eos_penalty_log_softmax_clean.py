# nnlint-expect: clean
# source: https://foreai.co/blog/nans-out-of-nowhere-the-trick-that-saved-my-training-run
# The post's fix, same script shape: the penalties come from log_softmax and log1p(-exp(.)) of a
# clamped log-probability, so no log ever sees an exact zero.
# %%
def eos_penalty(logits, eos_id, positive):
    log_p = F.log_softmax(logits, dim=-1)[..., eos_id]
    pos = -torch.log1p(-log_p[positive].clamp(max=-1e-6).exp()).mean()
    neg = -log_p[~positive].mean()
    return pos, neg

# %%
for batch in loader:
    logits = model(batch["input_ids"]).logits
    ce = F.cross_entropy(logits.transpose(1, 2), batch["labels"])
    pos, neg = eos_penalty(logits, tokenizer.eos_token_id, batch["positive"])
    loss = ce + 0.1 * pos + 0.1 * neg
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
