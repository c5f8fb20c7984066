# nnlint-expect: clean
# source: https://github.com/mims-harvard/UniTS/issues/13
# There is no loss.backward() in the loop because a NativeScaler-style helper does the
# scaled backward, the unscale and the optimizer step in one call.
import torch


class NativeScalerWithGradNormCount:
    def __init__(self):
        self._scaler = torch.cuda.amp.GradScaler()

    def __call__(self, loss, optimizer, clip_grad=None, parameters=None, create_graph=False, update_grad=True):
        self._scaler.scale(loss).backward(create_graph=create_graph)
        if update_grad:
            if clip_grad is not None:
                self._scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
            self._scaler.step(optimizer)
            self._scaler.update()


def train_epoch(model, loader, model_optim, criterion, acc_it=1, max_norm=None):
    scaler = NativeScalerWithGradNormCount()
    model.train()
    for i, (x, y) in enumerate(loader):
        with torch.cuda.amp.autocast():
            loss = criterion(model(x), y)
        scaler(loss / acc_it, model_optim, clip_grad=max_norm, parameters=model.parameters(),
               update_grad=((i + 1) % acc_it == 0))
        if (i + 1) % acc_it == 0:
            model_optim.zero_grad()
