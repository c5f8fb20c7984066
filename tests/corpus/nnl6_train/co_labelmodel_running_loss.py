# nnlint-expect: NNL605
# source: https://github.com/BatsResearch/labelmodels/issues/4
# A weak-supervision label model's _do_estimate_label_model loop sums the non-detached
# loss per batch; with enough batches the process runs out of GPU memory.
import torch
import torch.nn as nn


class LabelModel(nn.Module):
    def __init__(self, num_classes, num_lfs):
        super().__init__()
        self.accuracy = nn.Parameter(torch.full((num_lfs,), 0.7))
        self.class_balance = nn.Parameter(torch.zeros(num_classes))

    def forward(self, votes):
        return -(votes.float() @ self.accuracy).logsumexp(0) - self.class_balance.logsumexp(0)

    def _do_estimate_label_model(self, batches, config):
        optimizer = torch.optim.SGD(self.parameters(), lr=config.step_size, momentum=config.momentum)
        for epoch in range(config.epochs):
            running_loss = 0.0
            for i_batch, inputs in enumerate(batches):
                optimizer.zero_grad()
                log_likelihood = self(*inputs)
                loss = -1 * torch.mean(log_likelihood)
                loss.backward()
                optimizer.step()
                running_loss += loss
            print(f"epoch {epoch}: {running_loss / len(batches)}")
