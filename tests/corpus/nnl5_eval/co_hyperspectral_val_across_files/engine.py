# nnlint-expect: NNL502
# source: https://github.com/eecn/Hyperspectral-Classification/issues/21
import torch
import torch.nn.functional as F

from models import get_model


def val(net, data_loader, device="cpu", supervision="full"):
    accuracy, total = 0.0, 0.0
    ignored = data_loader.dataset.ignored_labels
    for data, target in data_loader:
        with torch.no_grad():
            data, target = data.to(device), target.to(device)
            if supervision == "full":
                output = net(data)
            else:
                output, _ = net(data)
            _, output = torch.max(output, dim=1)
            for pred, out in zip(output.view(-1), target.view(-1)):
                if out.item() in ignored:
                    continue
                accuracy += out.item() == pred.item()
                total += 1
    return accuracy / total


def run(train_loader, val_loader, n_bands, n_classes, epochs=10):
    net = get_model("hamida", n_bands=n_bands, n_classes=n_classes)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    for epoch in range(epochs):
        net.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(net(data), target)
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: val acc {val(net, val_loader):.3f}")
