# nnlint-expect: NNL108
# source: https://github.com/zjunlp/DeepKE/issues/21
# A relation-extraction CNN whose last layer is fc followed by ReLU; the loss is
# CrossEntropyLoss, so negative relation scores are impossible.
import torch
import torch.nn as nn
import torch.nn.functional as F


class RelationCNN(nn.Module):
    def __init__(self, vocab_size, n_relations, emb=300, filters=230):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, emb)
        self.convs = nn.ModuleList([nn.Conv1d(emb, filters, k, padding=k // 2) for k in (3, 5)])
        self.fc1 = nn.Linear(2 * filters, 100)
        self.fc2 = nn.Linear(100, n_relations)

    def forward(self, tokens):
        x = self.emb(tokens).transpose(1, 2)
        x = torch.cat([F.relu(c(x)).max(dim=2).values for c in self.convs], dim=1)
        x = F.leaky_relu(self.fc1(x))
        return F.relu(self.fc2(x))


class Trainer:
    def __init__(self, model):
        self.model = model
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train_batch(self, tokens, labels):
        self.optimizer.zero_grad()
        loss = self.criterion(self.model(tokens), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()
