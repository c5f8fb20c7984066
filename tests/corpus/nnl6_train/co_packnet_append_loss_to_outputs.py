# nnlint-expect: NNL605
# source: https://github.com/TRI-ML/packnet-sfm/pull/51
# The self-supervised depth trainer appends each batch's output dict, whose "loss" still
# carries the graph, to the list of training outputs kept for the epoch summary.
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
            outputs.append(output)
        return module.training_epoch_end(outputs)
