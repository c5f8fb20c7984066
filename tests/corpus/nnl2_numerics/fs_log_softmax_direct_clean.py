# nnlint-expect: clean
# source: https://jamesmccaffreyblog.com/2022/12/02/computing-log_softmax-for-pytorch-directly/
# The post's recommended form in the same pasted loop: log_softmax computed directly.
for X, Y in train_ldr:
    oupt = net(X)
    log_probs = torch.log_softmax(oupt, dim=1)
    loss_val = F.nll_loss(log_probs, Y)
    opt.zero_grad()
    loss_val.backward()
    opt.step()
