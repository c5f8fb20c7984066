# nnlint-expect: NNL304
# source: http://zijiebao.com/jishu/443595.html
# The post's line, self.v = nn.Parameter(torch.FloatTensor(hidden_size)), in a pasted half
# class that never initialises it: FloatTensor(n) is uninitialised memory, so v starts as
# whatever bytes were there (NaN or 1e38 included).
    def __init__(self, hidden_size):
        super().__init__()
        self.attn = nn.Linear(hidden_size * 2, hidden_size)
        self.v = nn.Parameter(torch.FloatTensor(hidden_size))

    def forward(self, hidden, encoder_outputs):
        h = hidden.unsqueeze(1).expand_as(encoder_outputs)
        energy = torch.tanh(self.attn(torch.cat([h, encoder_outputs], dim=2)))
        return F.softmax(torch.matmul(energy, self.v), dim=1)
