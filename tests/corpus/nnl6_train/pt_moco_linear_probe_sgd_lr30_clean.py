# nnlint-expect: clean
# source: https://github.com/facebookresearch/swav/issues/38
# MoCo's linear evaluation trains only a linear classifier on frozen self-supervised
# features with SGD at lr=30 (the issue compares it with SwAV's 0.3): a published recipe,
# far above the usual SGD range but not a mistake.
import torch
import torch.nn as nn


def build_linear_eval(encoder, num_classes=1000, feature_dim=2048):
    for param in encoder.parameters():
        param.requires_grad = False
    classifier = nn.Linear(feature_dim, num_classes)
    nn.init.normal_(classifier.weight, std=0.01)
    nn.init.zeros_(classifier.bias)
    optimizer = torch.optim.SGD(classifier.parameters(), lr=30.0, momentum=0.9, weight_decay=0.0)
    return classifier, optimizer


def train_epoch(encoder, classifier, optimizer, loader):
    encoder.eval()
    for images, labels in loader:
        with torch.no_grad():
            features = encoder(images)
        loss = nn.functional.cross_entropy(classifier(features), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
