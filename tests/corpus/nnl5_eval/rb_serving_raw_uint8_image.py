# nnlint-expect: NNL507
# source: https://thecodeforge.io/ml-ai/tensorflow-keras-image-classification/
# Training images were rescaled to [0, 1], but the serving code decodes the uploaded image and
# only casts it to float: the model sees values up to 255 and is confidently wrong.
import torch
import torchvision
from torchvision.io import read_image

model = torchvision.models.resnet18(num_classes=10)
model.load_state_dict(torch.load("classifier.pt"))


def predict(path):
    model.eval()
    image = read_image(path).float()
    with torch.no_grad():
        return model(image.unsqueeze(0)).argmax(1).item()
