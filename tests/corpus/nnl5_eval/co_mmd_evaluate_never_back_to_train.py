# nnlint-expect: NNL503
# source: https://github.com/shubhamagarwal92/mmd/issues/14
# The multimodal dialogue trainer calls evaluate() every few hundred steps; evaluate()
# switches the model to eval mode and nothing switches it back, so dropout stays off for
# the rest of training.
import torch
import torch.nn as nn


class HierEncoderDecoder(nn.Module):
    def __init__(self, vocab=5000, emb=256, hid=512, dropout=0.3):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.encoder = nn.GRU(emb, hid, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hid, vocab)

    def forward(self, text):
        h, _ = self.encoder(self.drop(self.emb(text)))
        return self.out(self.drop(h))


def evaluate(model, loader, criterion):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for text, target in loader:
            total += criterion(model(text).flatten(0, 1), target.flatten()).item()
    return total / max(len(loader), 1)


def train(model, train_loader, val_loader, epochs=10, eval_every=500):
    criterion = nn.CrossEntropyLoss(ignore_index=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=4e-4)
    model.train()
    step = 0
    for epoch in range(epochs):
        for text, target in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(text).flatten(0, 1), target.flatten())
            loss.backward()
            optimizer.step()
            step += 1
            if step % eval_every == 0:
                print(step, evaluate(model, val_loader, criterion))
