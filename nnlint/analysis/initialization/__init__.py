"""Parameter creation and weight initialization: constant inits, unregistered layers and tensors, uninitialized parameters (NNL3xx)."""
