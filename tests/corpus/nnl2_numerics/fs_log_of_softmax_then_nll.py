# nnlint-expect: NNL202
# source: https://jamesmccaffreyblog.com/2022/12/02/computing-log_softmax-for-pytorch-directly/
# The post's "softmax() and then log()" spelling, as three pasted loop lines with the model and
# loader elided: the log of a softmax underflows to -inf where log_softmax stays finite.
for X, Y in train_ldr:
    oupt = net(X)
    log_probs = torch.log(torch.softmax(oupt, dim=1))
    loss_val = F.nll_loss(log_probs, Y)
    opt.zero_grad()
    loss_val.backward()
    opt.step()
