# nnlint-expect: clean
# source: https://54852.com/langs/915739.html
# The note's conversion done in full: BGR to RGB, HWC to CHW, and /255 into [0, 1].
def predict(model, path):
    img = cv2.imread(path)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(img).permute(2, 0, 1).float().div(255.0).unsqueeze(0)
    model.eval()
    with torch.no_grad():
        return model(x).argmax(1).item()
