# nnlint-expect: NNL507
# source: https://python2936.rssing.com/chan-77377349/article1827.html
# A digit drawn in Paint is read with OpenCV and fed to the MNIST model as 0-255 floats,
# while the model was trained on normalized images.
import cv2
import torch
import torch.nn as nn

model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))
model.load_state_dict(torch.load("handwritten.pt"))

img = cv2.imread("digit1.png", cv2.IMREAD_GRAYSCALE)
x = torch.from_numpy(img).float().unsqueeze(0)
print(model(x).argmax(1))
