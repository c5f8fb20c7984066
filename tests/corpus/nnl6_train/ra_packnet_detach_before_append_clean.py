# nnlint-expect: clean
# source: https://github.com/TRI-ML/packnet-sfm/pull/51
# The fixed trainer: the output's "loss" entry is detached after the backward, before the
# output dict joins the epoch's list; the validation loop appends losses computed without
# gradients.
import torch


class HorovodTrainer:
    def train(self, dataloader, module, optimizer):
        module.train()
        outputs = []
        for i, batch in enumerate(dataloader):
            optimizer.zero_grad()
            output = module.training_step(batch, i)
            output["loss"].backward()
            optimizer.step()
            output["loss"] = output["loss"].detach()
            outputs.append(output)
        return module.training_epoch_end(outputs)

    def fit(self, module, train_loader, val_loader, optimizer, epochs):
        for epoch in range(epochs):
            self.train(train_loader, module, optimizer)
            losses = []
            with torch.no_grad():
                for i, batch in enumerate(val_loader):
                    output = module.validation_step(batch, i)
                    losses.append(output["loss"])
            print(sum(loss.item() for loss in losses) / len(losses))
