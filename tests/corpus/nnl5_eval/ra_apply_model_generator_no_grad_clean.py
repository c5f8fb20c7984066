# nnlint-expect: clean
# source: https://github.com/pytorch/pytorch/issues/31497
# The reporter's lazy evaluation loop: the model call of each batch sits inside
# `with torch.no_grad():`, no graph is kept between batches.
import torch


def apply_model(data_loader, model, device):
    model.eval()
    for dataset_name, audio_path, reference, x, xlen, y, ylen in data_loader:
        x, xlen = x.to(device), xlen.to(device)
        with torch.no_grad():
            log_probs, output_lengths = model(x, xlen)
        yield log_probs


def evaluate(data_loader, model, device, decoder):
    return [decoder(log_probs) for log_probs in apply_model(data_loader, model, device)]
