# nnlint-expect: NNL204
# source: https://e-com-net.com/article/1610540118618177536.htm
# The post's NaN from sqrt(MSE) at an exact fit, as a Lightning training_step pasted alone: the
# square root's gradient is infinite where the error is zero.
    def training_step(self, batch, batch_idx):
        x, y = batch
        y_hat = self(x)
        loss = torch.sqrt(F.mse_loss(y_hat, y))
        self.log("train_rmse", loss)
        return loss
