# nnlint-expect: NNL507
# source: https://54852.com/langs/915739.html
# The note's cv2 pitfall as a forum script without imports: a small CNN trained on ToTensor()
# inputs in [0, 1] is fed a cv2.imread image made float but left at 0-255.
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
x = torch.from_numpy(img).float().unsqueeze(0).unsqueeze(0)
print(net(x).argmax(1).item())
