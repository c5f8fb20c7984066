# nnlint-expect: NNL601
# source: https://github.com/OpenNMT/OpenNMT-tf/issues/744
# The user overrode the GPT-2 small learning rate (2.5e-4) with 2, and training diverged
# with a NaN loss. The same setup in PyTorch with AdamW.
import torch
import torch.nn as nn

layer = nn.TransformerEncoderLayer(d_model=768, nhead=12, dim_feedforward=3072, batch_first=True)
gpt2_small = nn.ModuleDict({
    "wte": nn.Embedding(50257, 768),
    "blocks": nn.TransformerEncoder(layer, num_layers=12),
    "lm_head": nn.Linear(768, 50257, bias=False),
})
optimizer = torch.optim.AdamW(gpt2_small.parameters(), lr=2, betas=(0.9, 0.98), weight_decay=0.01)
