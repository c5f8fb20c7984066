# nnlint-expect: clean
# source: https://theneuralbase.com/torchvision/learn/beginner/normalization-mismatch/
# The page's fix in the same pasted script: the prediction pipeline applies the same Normalize.
train_tf = transforms.Compose([
    transforms.RandomResizedCrop(224),
    transforms.RandomHorizontalFlip(),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])
train_ds = datasets.ImageFolder("data/train", transform=train_tf)
...

def predict(model, path):
    predict_tf = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    x = predict_tf(Image.open(path).convert("RGB")).unsqueeze(0)
    model.eval()
    with torch.no_grad():
        return model(x).argmax(1).item()
