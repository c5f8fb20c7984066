"""One file's program: the syntax walk, import names, which classes are models, and the abstract interpreter that follows values to the operations they reach (NNL1xx, NNL2xx)."""
