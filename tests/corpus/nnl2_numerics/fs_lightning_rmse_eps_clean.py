# nnlint-expect: clean
# source: https://e-com-net.com/article/1610540118618177536.htm
# The same training_step with the usual guard: an epsilon inside the square root.
    def training_step(self, batch, batch_idx):
        x, y = batch
        y_hat = self(x)
        loss = torch.sqrt(F.mse_loss(y_hat, y) + 1e-8)
        self.log("train_rmse", loss)
        return loss
