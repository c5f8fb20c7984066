# nnlint-expect: NNL107
# source: https://mingle-mangle.com/blog-1586501.html
m = nn.Softmax()
scores = torch.randn(2, 3)
print(m(scores))
