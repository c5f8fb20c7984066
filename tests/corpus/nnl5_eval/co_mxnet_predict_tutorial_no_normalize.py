# nnlint-expect: NNL501
# source: https://github.com/apache/mxnet/issues/12063
# nnlint-xfail: the inference pipeline is a module-level Compose named get_image used by top-level code; NNL501 tells a pipeline's role by name (train/val/test), dataset or enclosing inference function, and a neutral name at module level matches none
# The image-prediction tutorial resizes and batchifies the image but never applies the
# colour normalisation the pretrained network was trained with. Notebook-style port.
import torch
import torchvision
from PIL import Image
from torchvision import transforms

preprocess_train = transforms.Compose([
    transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
])
train_set = torchvision.datasets.ImageFolder("train", transform=preprocess_train)
net = torchvision.models.resnet18(num_classes=len(train_set.classes))
optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
for images, labels in torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True):
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(net(images), labels).backward()
    optimizer.step()

get_image = transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor()])
img = get_image(Image.open("cat.jpg").convert("RGB")).unsqueeze(0)
net.eval()
with torch.no_grad():
    prob = torch.softmax(net(img), dim=1)
