# nnlint-expect: NNL609
# source: https://github.com/mlfoundations/open_clip/issues/957
# Contrastive training with `accum_freq`: the loss of every accumulated micro-batch is
# back-propagated as it is and the optimizer steps once per accum_freq micro-batches; the
# issue asks whether total_loss should be divided by accum_freq first.
import torch


def train_one_epoch(model, data, loss, optimizer, scaler, args):
    model.train()
    for i, (images, texts) in enumerate(data):
        with torch.autocast("cuda"):
            image_features, text_features, logit_scale = model(images, texts)
            total_loss = loss(image_features, text_features, logit_scale)
        scaler.scale(total_loss).backward()
        if (i + 1) % args.accum_freq == 0:
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad()
