# nnlint-expect: clean
# source: https://github.com/tomaarsen/SpanMarkerNER/pull/4
# Notebook flow: the loop trains and then evaluates each epoch; evaluate() leaves the model in
# eval mode, so the prediction helper called after it runs without dropout.
import torch
import torch.nn as nn
import torch.nn.functional as F

encoder = nn.Sequential(nn.Embedding(5000, 64), nn.Flatten(), nn.Linear(64 * 16, 128), nn.ReLU(),
                        nn.Dropout(0.3), nn.Linear(128, 9))
optimizer = torch.optim.AdamW(encoder.parameters(), lr=3e-4)


def train_one_epoch(batches):
    encoder.train()
    for tokens, tags in batches:
        optimizer.zero_grad()
        F.cross_entropy(encoder(tokens), tags).backward()
        optimizer.step()


def evaluate(batches):
    encoder.eval()
    correct = total = 0
    with torch.no_grad():
        for tokens, tags in batches:
            correct += (encoder(tokens).argmax(-1) == tags).sum().item()
            total += tags.numel()
    return correct / total


def predict_tags(tokens):
    return encoder(tokens).argmax(-1)


train_batches = [(torch.randint(0, 5000, (8, 16)), torch.randint(0, 9, (8,))) for _ in range(4)]
for epoch in range(3):
    train_one_epoch(train_batches)
    print(epoch, evaluate(train_batches))

print(predict_tags(torch.randint(0, 5000, (1, 16))))
