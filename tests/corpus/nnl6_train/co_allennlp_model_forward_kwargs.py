# nnlint-expect: NNL604
# source: https://github.com/allenai/allennlp/issues/456
# The trainer and predictor call model.forward(**inputs); any hook registered on the model
# (for instance for analysis at prediction time) is skipped.
import torch


class Trainer:
    def __init__(self, model, optimizer, iterator):
        self.model = model
        self.optimizer = optimizer
        self.iterator = iterator

    def _batch_loss(self, batch):
        output_dict = self.model.forward(**batch)
        return output_dict["loss"]

    def train_epoch(self, instances):
        self.model.train()
        for batch in self.iterator(instances):
            self.optimizer.zero_grad()
            loss = self._batch_loss(batch)
            loss.backward()
            self.optimizer.step()


def predict_json(model, inputs):
    model.eval()
    with torch.no_grad():
        return model.forward(**inputs)
