# nnlint-expect: NNL610
# source: https://theneuralbase.com/pytorch/learn/intermediate/freezing-base-model-weights/
# The page's omitted gotcha: the optimizer was built from the trainable parameters while the
# backbone was frozen; unfreezing layer4 later does not add it to the optimizer. Pasted as a
# script with the training loops elided.
model = models.resnet18(weights=models.ResNet18_Weights.IMAGENET1K_V1)
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(model.fc.in_features, 10)
optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()), lr=0.001)
...
for param in model.layer4.parameters():
    param.requires_grad = True
for images, labels in loader:
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
