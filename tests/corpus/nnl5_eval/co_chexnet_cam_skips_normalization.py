# nnlint-expect: NNL501
# source: https://github.com/brucechou1983/CheXNet-Keras/issues/38
# nnlint-xfail: the normalisation is a user function (transform_batch_images) called on the training path and not in cam(); NNL501 knows only Compose pipelines and sklearn scalers as preprocessing, not a hand-written mean/std function
# The chest X-ray classifier's training and test generators normalise every batch with the
# ImageNet statistics; the class-activation-map script loads the image and predicts without
# that step, so its predictions differ from test.py's.
import numpy as np
import torch
import torchvision
from PIL import Image

imagenet_mean = np.array([0.485, 0.456, 0.406])
imagenet_std = np.array([0.229, 0.224, 0.225])


def transform_batch_images(batch_x):
    return (batch_x - imagenet_mean) / imagenet_std


def load_image(path, size=224):
    image = np.asarray(Image.open(path).convert("RGB").resize((size, size))) / 255.0
    return image


def make_model(n_classes=14):
    model = torchvision.models.densenet121(weights=None)
    model.classifier = torch.nn.Linear(1024, n_classes)
    return model


def train(model, paths, labels, optimizer):
    model.train()
    for path, y in zip(paths, labels):
        x = transform_batch_images(load_image(path)[None])
        x = torch.tensor(x, dtype=torch.float32).permute(0, 3, 1, 2)
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x), y[None])
        loss.backward()
        optimizer.step()


def cam(model, path):
    x = torch.tensor(load_image(path)[None], dtype=torch.float32).permute(0, 3, 1, 2)
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(x))
