# nnlint-expect: clean
# source: https://github.com/NVIDIA-AI-IOT/jetbot/pull/117
# The fixed road-following notebook: train and test losses are accumulated with float(),
# so no graph outlives its step.
import torch
import torch.nn.functional as F
import torchvision

model = torchvision.models.resnet18(weights=None)
model.fc = torch.nn.Linear(512, 2)
optimizer = torch.optim.Adam(model.parameters())

for epoch in range(70):
    model.train()
    train_loss = 0.0
    for images, labels in []:
        optimizer.zero_grad()
        outputs = model(images)
        loss = F.mse_loss(outputs, labels)
        train_loss += float(loss)
        loss.backward()
        optimizer.step()
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for images, labels in []:
            test_loss += float(F.mse_loss(model(images), labels))
