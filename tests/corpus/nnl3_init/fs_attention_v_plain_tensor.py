# nnlint-expect: NNL303
# source: https://cnblogs.com/ArdenWang/p/16017310.html
# The post explains why concat attention wraps its score vector v in nn.Parameter; pasted here
# without it (and without imports), v is a plain tensor that the optimizer never sees.
class ConcatAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.attn = nn.Linear(hidden_size * 2, hidden_size)
        self.v = torch.rand(hidden_size)

    def forward(self, hidden, encoder_outputs):
        h = hidden.unsqueeze(1).expand_as(encoder_outputs)
        energy = torch.tanh(self.attn(torch.cat([h, encoder_outputs], dim=2)))
        scores = torch.matmul(energy, self.v)
        return F.softmax(scores, dim=1)
