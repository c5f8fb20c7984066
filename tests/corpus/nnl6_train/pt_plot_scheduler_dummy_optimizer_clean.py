# nnlint-expect: clean
# source: https://github.com/VecherVhatuX/learning_data_science_in_prison/pull/4107
# Drawing how a learning-rate schedule evolves: a dummy optimizer is stepped (so the
# scheduler does not warn that it ran first) and the scheduler stepped with a placeholder
# loss for ReduceLROnPlateau. Nothing is trained, so there is no backward to miss.
import matplotlib.pyplot as plt
import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau, StepLR


def plot_learning_rate(dummy_optimizer, dummy_scheduler, steps=12):
    learning_rates = []
    for _ in range(steps):
        learning_rates.append([group["lr"] for group in dummy_optimizer.param_groups])
        dummy_optimizer.step()
        if isinstance(dummy_scheduler, ReduceLROnPlateau):
            dummy_loss = 0.1
            dummy_scheduler.step(dummy_loss)
        else:
            dummy_scheduler.step()
    plt.plot(learning_rates)
    plt.xlabel("epoch")
    plt.ylabel("learning rate")


weight = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([weight], lr=0.1)
plot_learning_rate(optimizer, StepLR(optimizer, step_size=4, gamma=0.5))
