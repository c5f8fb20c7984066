"""Classify one image with a trained SmallCNN and print the top three digits."""

import sys

import torch
import torch.nn as nn
from PIL import Image
from torchvision import transforms

from train import SmallCNN

preprocess = transforms.Compose([
    transforms.Grayscale(),
    transforms.Resize((28, 28)),
    transforms.ToTensor(),
    transforms.Normalize((0.1307,), (0.3081,)),
])


def predict(model, image, k=3):
    model.eval()
    with torch.no_grad():
        logits = model(preprocess(image).unsqueeze(0))
    probabilities = nn.Softmax()(logits)[0]
    return probabilities.topk(k)


def main(image_path, weights="small_cnn.pt"):
    model = SmallCNN()
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    scores, digits = predict(model, Image.open(image_path))
    for score, digit in zip(scores.tolist(), digits.tolist()):
        print(f"{digit}: {score:.1%}")


if __name__ == "__main__":
    main(sys.argv[1])
