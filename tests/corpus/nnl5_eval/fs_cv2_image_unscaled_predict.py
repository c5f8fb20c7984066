# nnlint-expect: NNL507
# source: https://54852.com/langs/915739.html
# nnlint-xfail: the model is a parameter of a class nnlint cannot see; NNL507 reports only inputs that reach a model whose first layer it knows (a detectron2-style model normalizes 0-255 inputs itself)
# The note's warning (cv2.imread gives an HWC, BGR, 0-255 uint8 array; a torchvision-trained
# model expects CHW values in [0, 1]) in a pasted predict helper without imports: the array is
# permuted and made float, but never divided by 255.
def predict(model, path):
    img = cv2.imread(path)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    x = torch.from_numpy(img).permute(2, 0, 1).float().unsqueeze(0)
    model.eval()
    with torch.no_grad():
        return model(x).argmax(1).item()
