# nnlint-expect: NNL202
# source: https://jamesmccaffreyblog.com/2020/06/11/pytorch-crossentropyloss-vs-nllloss-cross-entropy-loss-vs-negative-log-likelihood-loss/
# The blog's "inefficient" variant of the 4-7-3 network, torch.log(torch.softmax(z)) (its "import torch as T" spelled torch here), as a
# pasted method body: indented as a block, no class line and no imports.
    def forward(self, x):
        z = torch.tanh(self.hid1(x))
        z = self.oupt(z)
        z = torch.log(torch.softmax(z, dim=1))
        return z
