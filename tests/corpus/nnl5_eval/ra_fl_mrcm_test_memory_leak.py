# nnlint-expect: NNL506
# source: https://github.com/guopengf/FL-MRCM/issues/2
# test.py runs the reconstruction network over every test slice with gradients on; the
# maintainer: "You may add 'with torch.no_grad():' ... Memory leakage might result from it."
import torch


def test(args, net, data_loader):
    net.eval()
    outputs = {}
    for iter, data in enumerate(data_loader):
        input, target, mean, std, fname, slice_num = data
        output = net(input.to(args.device))
        for i in range(output.shape[0]):
            outputs.setdefault(fname[i], []).append((slice_num[i], (output[i] * std[i] + mean[i]).cpu()))
    return outputs


if __name__ == "__main__":
    import sys
    print(sys.argv)
