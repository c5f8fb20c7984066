# nnlint-expect: clean
# source: https://github.com/karpathy/ng-video-lecture/issues/16
# The thread settles that eval() belongs "at the time of inference", in the code that runs
# the model. A chapter module keeps the sampling helper apart from the scripts and notebooks
# that import it: `generate(model, ...)` runs whatever model its callers hand over, after
# they switched it to eval mode. No call in this file passes it a model, and the file's own
# demo evaluates its model properly.
import torch
import torch.nn as nn


class TinyGPT(nn.Module):
    def __init__(self, vocab: int, dim: int, context: int, drop_rate: float = 0.1):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, dim)
        self.pos_emb = nn.Embedding(context, dim)
        self.drop = nn.Dropout(drop_rate)
        self.block = nn.TransformerEncoderLayer(dim, 4, 4 * dim, drop_rate, batch_first=True)
        self.head = nn.Linear(dim, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(idx.shape[1], device=idx.device)
        x = self.drop(self.tok_emb(idx) + self.pos_emb(positions))
        return self.head(self.block(x))


def generate(model: nn.Module, idx: torch.Tensor, max_new_tokens: int, context_size: int) -> torch.Tensor:
    for _ in range(max_new_tokens):
        window = idx[:, -context_size:]
        with torch.no_grad():
            logits = model(window)
        next_token = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat((idx, next_token), dim=1)
    return idx


if __name__ == "__main__":
    model = TinyGPT(vocab=100, dim=32, context=16)
    model.eval()
    with torch.no_grad():
        print(model(torch.zeros(1, 4, dtype=torch.long)).shape)
