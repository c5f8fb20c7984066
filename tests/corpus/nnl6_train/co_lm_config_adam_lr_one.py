# nnlint-expect: NNL601
# source: https://github.com/rajveermalviya/language-modeling/issues/3
# The language model's config sets lr = 1.0 (a value for plain SGD) while the trainer uses
# Adam; the loss barely moves until the rate is put back to 0.001.
import torch
import torch.nn as nn

config = {"emb_size": 400, "hidden": 1150, "layers": 3, "lr": 1.0, "batch_size": 80}


class RNNModel(nn.Module):
    def __init__(self, ntoken, cfg):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, cfg["emb_size"])
        self.rnn = nn.LSTM(cfg["emb_size"], cfg["hidden"], cfg["layers"], batch_first=True)
        self.decoder = nn.Linear(cfg["hidden"], ntoken)

    def forward(self, tokens):
        out, _ = self.rnn(self.encoder(tokens))
        return self.decoder(out)


model = RNNModel(33278, config)
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
