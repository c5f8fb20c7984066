# nnlint-expect: NNL610
# source: https://runebook.dev/en/docs/pytorch/generated/torch.nn.module/torch.nn.Module.requires_grad_
# The page's "common mistake": model.requires_grad_(False) on the whole pretrained network
# when only the backbone was meant, then an optimizer over model.parameters(): nothing in
# it can ever be updated.
import torch
import torch.nn as nn
from torchvision.models import resnet18


def build(num_classes):
    model = resnet18(pretrained=True)
    model.requires_grad_(False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, optimizer


def train(loader, num_classes, epochs=5):
    model, optimizer = build(num_classes)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            criterion(model(x), y).backward()
            optimizer.step()
