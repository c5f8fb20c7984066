# nnlint-expect: NNL107
# source: https://www.codeprj.com/zh/blog/a2e5841.html
x = torch.Tensor([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]])
row_probs = F.softmax(x)
print(row_probs.sum(1))
