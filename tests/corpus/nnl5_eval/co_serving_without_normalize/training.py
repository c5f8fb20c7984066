# nnlint-expect: part-of server.py
# source: https://github.com/developmentseed/fastai-serving/issues/1
import torch
import torchvision
from torchvision import transforms

NORMALIZE = transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
train_tfms = transforms.Compose([transforms.RandomCrop(256), transforms.ToTensor(), NORMALIZE])


def build_learner(n_classes):
    model = torchvision.models.resnet34(num_classes=n_classes)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3)


def fit(model, optimizer, dataset, epochs=5):
    loader = torch.utils.data.DataLoader(dataset, batch_size=16, shuffle=True)
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xb), yb).backward()
            optimizer.step()
