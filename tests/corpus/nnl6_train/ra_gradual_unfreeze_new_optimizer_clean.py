# nnlint-expect: clean
# source: https://www.codegenes.net/blog/gradual-unfreezing-pytorch
# Gradual unfreezing done right: after layer4 is unfrozen, a new optimizer over the
# parameters that now require gradients replaces the first one.
import torch
import torch.optim as optim
import torchvision.models as models


def run(train_stage, num_classes=5):
    model = models.resnet18(pretrained=True)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = torch.nn.Linear(model.fc.in_features, num_classes)
    optimizer = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.001, momentum=0.9)
    train_stage(model, optimizer)
    for param in model.layer4.parameters():
        param.requires_grad = True
    optimizer = optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.0001, momentum=0.9)
    train_stage(model, optimizer)
