"""Optimizers, schedulers, training loops and their events, gradient accumulation, distributed sampling, freezing and seeding (NNL6xx)."""
