# nnlint-expect: clean
# source: https://yuzhu.run/avg-embedding-using-a-mask
# Mean pooling of token embeddings over the tokenizer's attention mask: every sentence keeps at
# least its start and end tokens, so no row of the mask sums to 0.
import torch
from torch import nn


class MeanPooledEncoder(nn.Module):
    def __init__(self, encoder, hidden, classes):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(hidden, classes)

    def forward(self, input_ids, attention_mask):
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).float()
        pooled = (states * mask).sum(1) / mask.sum(1)
        return self.head(pooled)
