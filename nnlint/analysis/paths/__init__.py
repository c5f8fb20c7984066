"""Training and evaluation paths: model modes, gradient contexts, transform pipelines and scalers, input dtypes, target preparation (NNL5xx)."""
