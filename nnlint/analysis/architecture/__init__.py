"""Layer sequences of Sequentials and forward methods, skip connections, layers built and never used (NNL4xx)."""
