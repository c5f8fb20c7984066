# nnlint-expect: NNL102
# source: https://github.com/AnubhavGupta3377/Text-Classification-Models-Pytorch/issues/9
# The Transformer text classifier ends in nn.Softmax and is trained with nn.NLLLoss, so the
# reported loss is always negative.
import torch
import torch.nn as nn


class TransformerClassifier(nn.Module):
    def __init__(self, config, vocab_size):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(vocab_size, config.d_model)
        layer = nn.TransformerEncoderLayer(config.d_model, config.h, config.d_ff, config.dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.N)
        self.fc = nn.Linear(config.d_model, config.output_size)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        encoded = self.encoder(self.embed(x))
        return self.softmax(self.fc(encoded[:, -1, :]))

    def add_optimizer(self, optimizer):
        self.optimizer = optimizer

    def add_loss_op(self, loss_op):
        self.loss_op = loss_op

    def run_epoch(self, train_iterator):
        self.train()
        for batch in train_iterator:
            self.optimizer.zero_grad()
            y_pred = self(batch.text)
            loss = self.loss_op(y_pred, batch.label - 1)
            loss.backward()
            self.optimizer.step()


def build(config, vocab_size):
    model = TransformerClassifier(config, vocab_size)
    model.add_optimizer(torch.optim.Adam(model.parameters(), lr=config.lr))
    model.add_loss_op(nn.NLLLoss())
    return model
