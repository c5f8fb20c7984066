# nnlint-expect: NNL107
# source: https://github.com/natanielruiz/deep-head-pose/issues/118
# Top-level video demo: yaw, pitch and roll bins are turned into expectations with
# F.softmax calls that name no dim.
import sys

import cv2
import torch
import torch.nn.functional as F
import torchvision

model = torchvision.models.resnet50(num_classes=66 * 3)
model.load_state_dict(torch.load(sys.argv[1], map_location="cpu"))
model.eval()
idx_tensor = torch.arange(66, dtype=torch.float32)
video = cv2.VideoCapture(sys.argv[2])

while True:
    ok, frame = video.read()
    if not ok:
        break
    img = torch.from_numpy(cv2.resize(frame, (224, 224))).permute(2, 0, 1).float().div(255).unsqueeze(0)
    with torch.no_grad():
        yaw, pitch, roll = model(img).split(66, dim=1)
    yaw_predicted = F.softmax(yaw)
    pitch_predicted = F.softmax(pitch)
    roll_predicted = F.softmax(roll)
    yaw_deg = torch.sum(yaw_predicted[0] * idx_tensor) * 3 - 99
    print(float(yaw_deg))
