# nnlint-expect: clean
# source: https://github.com/open-mmlab/mmrotate/issues/205
# The Wasserstein distance between two box Gaussians: the author clamps every quantity to
# at least 1e-7 before taking its square root, which is the guard the issue asks about.
import torch


def gwd_loss(pred, target, fun="log1p", tau=1.0, alpha=1.0, normalize=True):
    xy_p, Sigma_p = pred
    xy_t, Sigma_t = target
    xy_distance = (xy_p - xy_t).square().sum(dim=-1)
    whr_distance = Sigma_p.diagonal(dim1=-2, dim2=-1).sum(dim=-1)
    whr_distance = whr_distance + Sigma_t.diagonal(dim1=-2, dim2=-1).sum(dim=-1)
    _t_tr = (Sigma_p.bmm(Sigma_t)).diagonal(dim1=-2, dim2=-1).sum(dim=-1)
    _t_det_sqrt = (Sigma_p.det() * Sigma_t.det()).clamp(1e-7).sqrt()
    whr_distance = whr_distance + (-2) * ((_t_tr + 2 * _t_det_sqrt).clamp(1e-7).sqrt())
    distance = (xy_distance + alpha * alpha * whr_distance).clamp(1e-7).sqrt()
    if fun == "log1p":
        distance = torch.log1p(distance)
    return 1 - 1 / (tau + distance)
