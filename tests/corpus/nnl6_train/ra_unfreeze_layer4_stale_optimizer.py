# nnlint-expect: NNL610
# source: https://theneuralbase.com/pytorch/learn/intermediate/freezing-base-model-weights/
# Two-stage fine-tuning: the optimizer is built from the parameters that require gradients
# (the new head), layer4 is unfrozen for the second stage, and the same optimizer keeps
# stepping: layer4 gets gradients nobody applies (the page's "BAD" case).
import torch
import torch.nn as nn
from torchvision import models


def finetune(loader, epochs, unfreeze_epoch, num_classes=10):
    model = models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=0.001)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        if epoch == unfreeze_epoch:
            for param in model.layer4.parameters():
                param.requires_grad = True
        model.train()
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
    return model
