# nnlint-expect: clean
# source: https://54852.com/langs/915739.html
# The same script with the scaling ToTensor() applied in training: the uint8 image divided by 255.
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(8 * 26 * 26, 10)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).flatten(1))

net = Net()
net.load_state_dict(torch.load("mnist_net.pth"))
net.eval()
img = cv2.imread("digit.png", cv2.IMREAD_GRAYSCALE)
x = torch.from_numpy(img).float().div(255).unsqueeze(0).unsqueeze(0)
print(net(x).argmax(1).item())
