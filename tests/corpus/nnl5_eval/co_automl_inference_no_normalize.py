# nnlint-expect: NNL501
# source: https://github.com/google/automl/issues/872
# nnlint-xfail: the inference path preprocesses by hand (np.asarray(...) / 255.0, torch.from_numpy) with no transform pipeline; NNL501 compares Compose pipelines (and scalers), not a hand-written inference path against a training Compose
# The detector's input pipeline subtracts the ImageNet mean and divides by the std during
# training; the inference helper only scales to [0, 1]. A PyTorch version of the two paths.
import numpy as np
import torch
from PIL import Image
from torchvision import transforms

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]

train_transform = transforms.Compose([
    transforms.RandomResizedCrop(512),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(MEAN, STD),
])


def train_one_epoch(model, loader, optimizer):
    model.train()
    for images, targets in loader:
        optimizer.zero_grad()
        loss = model(images, targets)
        loss.backward()
        optimizer.step()


def inference(model, image_path):
    image = Image.open(image_path).convert("RGB").resize((512, 512))
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
    model.eval()
    with torch.no_grad():
        return model(x.unsqueeze(0))
