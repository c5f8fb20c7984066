# nnlint-expect: NNL502
# source: https://github.com/SeanNaren/deepspeech.pytorch/pull/22
# The speech model has batch-norm between its recurrent layers and dropout; the test
# script decoded the test set with the model still in training mode.
import argparse

import torch
import torch.nn as nn


class BatchRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.batch_norm = nn.BatchNorm1d(input_size)
        self.rnn = nn.GRU(input_size, hidden_size, bidirectional=True, batch_first=True)

    def forward(self, x):
        x = self.batch_norm(x.transpose(1, 2)).transpose(1, 2)
        x, _ = self.rnn(x)
        return x[..., : x.size(-1) // 2] + x[..., x.size(-1) // 2:]


class DeepSpeech(nn.Module):
    def __init__(self, n_feats=161, hidden=800, n_labels=29):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 32, (41, 11), (2, 2), (20, 5)), nn.BatchNorm2d(32), nn.Hardtanh(0, 20))
        self.rnns = nn.Sequential(BatchRNN(32 * ((n_feats + 1) // 2), hidden), BatchRNN(hidden, hidden))
        self.drop = nn.Dropout(0.1)
        self.fc = nn.Linear(hidden, n_labels)

    def forward(self, spect):
        x = self.conv(spect)
        b, c, f, t = x.shape
        x = self.rnns(x.view(b, c * f, t).transpose(1, 2))
        return self.fc(self.drop(x)).log_softmax(-1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--model-path")
    args = parser.parse_args()
    model = DeepSpeech()
    model.load_state_dict(torch.load(args.model_path))
    with torch.no_grad():
        for spect, targets in []:
            out = model(spect)
            decoded = out.argmax(-1)
