# nnlint-expect: NNL103
# source: http://www.philkr.net/cs342/doc/sigmoid/
# A Lightning training_step pasted alone (the module around it elided): the step squashes the
# scores with a sigmoid and then hands them to binary_cross_entropy_with_logits, which applies
# its own sigmoid.
    def training_step(self, batch, batch_idx):
        x, y = batch
        probs = torch.sigmoid(self(x))
        loss = F.binary_cross_entropy_with_logits(probs, y.float())
        self.log("train_loss", loss)
        return loss
