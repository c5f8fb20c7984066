# nnlint-expect: NNL204
# source: http://ddrv.cn/?p=758668
def gps_distance_loss(pred, target):
    lx = pred[:, 0] - target[:, 0]
    ly = pred[:, 1] - target[:, 1]
    return torch.mean(torch.sqrt(lx ** 2 + ly ** 2))
