# nnlint-expect: NNL201,NNL202
# source: https://foreai.co/blog/nans-out-of-nowhere-the-trick-that-saved-my-training-run
# The post's first implementation of an end-of-sequence penalty, as a "# %%" script: the log of
# one minus a softmax probability is -inf as soon as the model is sure of the token, and the
# run goes NaN; the negative term is the log of the softmax probability itself (log_softmax would be finite).
# %%
def eos_penalty(logits, eos_id, positive):
    p_eos = F.softmax(logits, dim=-1)[..., eos_id]
    pos = -torch.log(1 - p_eos[positive]).mean()
    neg = -torch.log(p_eos[~positive]).mean()
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
