# nnlint-expect: clean
# source: http://www.philkr.net/cs342/doc/sigmoid/
# The same pasted training_step done right: the raw scores go to the with-logits loss, and the
# sigmoid only feeds the logged accuracy.
    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        loss = F.binary_cross_entropy_with_logits(logits, y.float())
        preds = torch.sigmoid(logits) > 0.5
        self.log("train_acc", (preds == y.bool()).float().mean())
        self.log("train_loss", loss)
        return loss
