# nnlint-expect: clean
# source: https://forum.freecodecamp.org/t/model-predict-output/470349
# The image is cast to float and mapped to [-1, 1] with / 127.5 - 1 before the model.
import torch
import torchvision
from torchvision.io import read_image

model = torchvision.models.mobilenet_v2(num_classes=2)


def format_example(path):
    img = read_image(path).float()
    img = img / 127.5 - 1
    return img.unsqueeze(0)


logits = model(format_example("cat.jpg"))
