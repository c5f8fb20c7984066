# nnlint-expect: clean
# source: https://github.com/huggingface/peft/blob/main/examples/arrow_multitask/arrow_phi3_mini.py
# A per-sequence mean over the non-padding tokens: rows with no kept token get a count of
# 1 written over their 0 before the division.
import torch


def per_sequence_loss(logits, labels, vocab_size):
    loss_fct = torch.nn.CrossEntropyLoss(reduction="none")
    loss = loss_fct(logits.view(-1, vocab_size), labels.view(-1)).view(labels.shape)
    kept = (loss != 0).sum(dim=-1)
    kept[kept == 0] = 1
    return loss.sum(dim=-1) / kept
