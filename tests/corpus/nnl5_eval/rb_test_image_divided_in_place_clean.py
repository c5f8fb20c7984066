# nnlint-expect: clean
# source: http://pullrequest.ru/8874612/trebuetsya-predvaritelnaya-obrabotka-moego-testovogo-izobrazheniya
# The test image gets the training preprocessing: divided by 255 in place before prediction.
import numpy as np
import torch
import torch.nn as nn
from PIL import Image

model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 100), nn.ReLU(), nn.Linear(100, 10))
test_image = torch.from_numpy(np.array(Image.open("eight.png").convert("L"))).float()
test_image /= 255.0
print(model(test_image.reshape(-1, 28, 28)).argmax(1))
