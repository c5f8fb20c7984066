# nnlint-expect: NNL603
# source: https://github.com/cloneofsimo/lora/issues/263
# The DreamBooth LoRA loop (accelerate) clears the gradients after accelerator.backward and
# before optimizer.step, so the step applies nothing.
import torch
import torch.nn.functional as F
from accelerate import Accelerator


def train(unet, text_encoder, vae, noise_scheduler, params_to_optimize, train_dataloader, max_train_steps, lr=1e-4):
    accelerator = Accelerator(gradient_accumulation_steps=1, mixed_precision="fp16")
    optimizer = torch.optim.AdamW(params_to_optimize, lr=lr)
    unet, optimizer, train_dataloader = accelerator.prepare(unet, optimizer, train_dataloader)
    global_step = 0
    for batch in train_dataloader:
        latents = vae.encode(batch["pixel_values"]).latent_dist.sample() * 0.18215
        noise = torch.randn_like(latents)
        timesteps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (latents.shape[0],))
        noisy_latents = noise_scheduler.add_noise(latents, noise, timesteps)
        encoder_hidden_states = text_encoder(batch["input_ids"])[0]
        model_pred = unet(noisy_latents, timesteps, encoder_hidden_states).sample
        loss = F.mse_loss(model_pred.float(), noise.float(), reduction="mean")
        accelerator.backward(loss)
        optimizer.zero_grad()
        optimizer.step()
        global_step += 1
        if global_step >= max_train_steps:
            break
