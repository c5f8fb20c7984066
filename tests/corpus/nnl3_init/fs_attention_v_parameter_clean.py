# nnlint-expect: clean
# source: https://cnblogs.com/ArdenWang/p/16017310.html
# The post's form: v is an nn.Parameter, initialised from a uniform draw, so it is trained.
class ConcatAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.attn = nn.Linear(hidden_size * 2, hidden_size)
        self.v = nn.Parameter(torch.rand(hidden_size))

    def forward(self, hidden, encoder_outputs):
        h = hidden.unsqueeze(1).expand_as(encoder_outputs)
        energy = torch.tanh(self.attn(torch.cat([h, encoder_outputs], dim=2)))
        scores = torch.matmul(energy, self.v)
        return F.softmax(scores, dim=1)
