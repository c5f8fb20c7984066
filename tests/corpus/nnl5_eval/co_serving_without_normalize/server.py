# nnlint-expect: NNL501
# source: https://github.com/developmentseed/fastai-serving/issues/1
# The serving endpoint decodes the posted tile, converts it to a tensor and predicts; the
# Normalize of the training transforms (defined in training.py) is not applied.
import io

import torch
from PIL import Image
from torchvision import transforms

from training import build_learner

model, _ = build_learner(n_classes=2)
model.load_state_dict(torch.load("export.pth"))
model.eval()
to_tensor = transforms.Compose([transforms.CenterCrop(256), transforms.ToTensor()])


def predict(payload: bytes):
    image = Image.open(io.BytesIO(payload)).convert("RGB")
    with torch.no_grad():
        return model(to_tensor(image).unsqueeze(0)).softmax(dim=1).tolist()
