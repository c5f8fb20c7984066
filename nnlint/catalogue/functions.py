"""torch functions and tensor methods: which set a value's range, which keep it, and what kind
of step each is in a layer sequence. Names are fully qualified as the import table resolves
them (`F.softmax` -> `torch.nn.functional.softmax`); methods by their bare name.
"""

from __future__ import annotations

import re

from nnlint.catalogue.layers import ACTIVATION, DROPOUT, NORMALIZATION, POOLING, RESHAPE, WEIGHT
from nnlint.catalogue.ranges import AFFINE, LOG_SIGMOID, LOG_SOFTMAX, RELU, SIGMOID, SOFTMAX, TANH

_F = "torch.nn.functional."


def _names(prefix: str, names: str) -> frozenset[str]:
    return frozenset(prefix + name for name in names.split())


# ------------------------------------------------------------------ value ranges (interpreter)

# Functions whose output's range is set by their own operation.
RANGE_FUNCTIONS: dict[str, str] = {
    **{f"{prefix}softmax": SOFTMAX for prefix in ("torch.", _F, "torch.special.")},
    **{f"{prefix}log_softmax": LOG_SOFTMAX for prefix in ("torch.", _F, "torch.special.")},
    **{f"{prefix}sigmoid": SIGMOID for prefix in ("torch.", _F, "torch.special.")},
    "torch.special.expit": SIGMOID,
    _F + "logsigmoid": LOG_SIGMOID,
    **{f"{prefix}tanh": TANH for prefix in ("torch.", _F, "torch.special.")},
    **{f"{prefix}relu": RELU for prefix in ("torch.", _F)},
    _F + "relu_": RELU,
    "torch.relu_": RELU,
    _F + "relu6": RELU,
    _F + "linear": AFFINE,
}
# Tensor methods with the same meaning: `x.softmax(1)`, `x.sigmoid()`.
RANGE_METHODS: dict[str, str] = {
    "softmax": SOFTMAX, "log_softmax": LOG_SOFTMAX, "sigmoid": SIGMOID, "sigmoid_": SIGMOID,
    "tanh": TANH, "tanh_": TANH, "relu": RELU, "relu_": RELU,
}

# The softmax family, whose `dim` should be explicit: name -> (operation, position of dim).
NORMALIZER_FUNCTIONS: dict[str, tuple[str, int]] = {
    _F + "softmax": ("softmax", 1),
    _F + "log_softmax": ("log_softmax", 1),
    _F + "softmin": ("softmin", 1),
}
NORMALIZER_MODULES: dict[str, tuple[str, int]] = {
    "torch.nn.Softmax": ("softmax", 0),
    "torch.nn.LogSoftmax": ("log_softmax", 0),
    "torch.nn.Softmin": ("softmin", 0),
}

DROPOUT_FUNCTIONS = _names(_F, "dropout dropout1d dropout2d dropout3d alpha_dropout feature_alpha_dropout")
# Functions that keep the last real operation of their (first) tensor argument (dropout is
# the identity in evaluation, where the range matters).
PASS_THROUGH_FUNCTIONS = frozenset({"torch.clone", "torch.detach"}) | DROPOUT_FUNCTIONS
# Likewise, but they move or merge axes, so a known width no longer applies.
RESHAPING_FUNCTIONS = _names("torch.", "squeeze unsqueeze flatten reshape permute transpose narrow select movedim t gather index_select") \
    | _names(_F, "avg_pool1d avg_pool2d avg_pool3d max_pool1d max_pool2d max_pool3d adaptive_avg_pool1d "
                 "adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d interpolate")
# Functions over a sequence of tensors that keep what all of them share.
JOINING_FUNCTIONS = _names("torch.", "cat stack concat concatenate hstack vstack")

# Functions that pick each element from one of two tensors: name -> (position, keyword) of
# the two candidates (`torch.where(mask, p, 1)`).
SELECTING_FUNCTIONS: dict[str, tuple[tuple[int, str], tuple[int, str]]] = {
    "torch.where": ((1, "input"), (2, "other")),
}

# Tensor methods that change device, dtype or nothing at all.
PASS_THROUGH_METHODS = frozenset({
    "contiguous", "float", "double", "half", "bfloat16", "to", "cpu", "cuda", "clone", "detach",
    "type", "type_as", "requires_grad_",
})
# Tensor methods that move, merge or pick axes: values keep their meaning, width is lost.
RESHAPING_METHODS = frozenset({
    "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_",
    "flatten", "permute", "transpose", "expand", "expand_as", "narrow", "select", "movedim", "t",
    "unflatten", "repeat", "index_select", "gather", "masked_select",
})
# Reductions keep non-negativity (sum of ReLU outputs is >= 0) but not a distribution.
NON_NEGATIVITY_KEEPING_METHODS = frozenset({"sum", "mean", "max", "amax", "min", "amin", "nansum", "nanmean"})
# Calls that backpropagate a loss: `loss.backward()`, `scaler.scale(loss).backward()`,
# `accelerator.backward(loss)`, Lightning's `self.manual_backward(loss)`, torch.autograd's.
BACKWARD_METHODS = frozenset({"backward", "manual_backward"})
BACKWARD_FUNCTIONS = frozenset({"torch.autograd.backward"})
# Module methods that hand back the module itself, so `Net().to(device)` is still a Net.
SELF_RETURNING_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double",
                                    "half", "bfloat16", "requires_grad_", "apply", "type"})

# Context managers and decorators under which no graph is recorded.
NO_GRAD_CONTEXTS = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                              "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode"})

# Calls by which code sets the gradient mode itself (`with torch.set_grad_enabled(phase ==
# "train")`, `torch.enable_grad()`) or asks for gradients outside training (saliency maps,
# adversarial examples): evaluation code that uses them keeps its graph on purpose.
GRAD_MODE_SWITCHES = frozenset({"torch.set_grad_enabled", "torch.autograd.set_grad_enabled", "torch.enable_grad",
                                "torch.autograd.enable_grad", "torch.autograd.grad_mode.set_grad_enabled"})
GRADIENT_REQUESTS = frozenset({"torch.autograd.grad", "torch.autograd.backward", "torch.func.grad",
                               "torch.autograd.functional.jacobian"})
GRADIENT_METHODS = frozenset({"backward", "requires_grad_", "retain_grad", "register_hook"})

# ------------------------------------------------------------------ parameters and initialization (NNL3xx)

# What a constant initialization sets: torch.nn.init functions, in-place methods, factories.
CONSTANT_INIT_FUNCTIONS = {
    "torch.nn.init.zeros_": "zero", "torch.nn.init.ones_": "one", "torch.nn.init.constant_": "constant",
    "torch.nn.init.constant": "constant",
}
CONSTANT_METHODS = {"zero_": "zero", "fill_": "constant"}
CONSTANT_FACTORIES = {
    "torch.zeros": "zero", "torch.ones": "one", "torch.full": "constant",
    "torch.zeros_like": "zero", "torch.ones_like": "one", "torch.full_like": "constant",
}

# Tensor factories whose result looks like a learnable weight when kept on `self`.
TENSOR_FACTORIES = frozenset({
    "torch.randn", "torch.rand", "torch.zeros", "torch.ones", "torch.empty", "torch.Tensor",
    "torch.FloatTensor", "torch.normal", "torch.full", "torch.eye",
})
# Of those, the ones whose values are a random draw or uninitialized memory, never a chosen
# constant: kept as a vector and multiplied into a matrix (`energy @ self.v`, an attention
# score vector), such a tensor is a weight; a `torch.ones(n)` there may be a deliberate sum.
DRAWN_TENSOR_FACTORIES = frozenset({
    "torch.randn", "torch.rand", "torch.normal", "torch.empty", "torch.Tensor", "torch.FloatTensor",
})
# Factories that leave the memory uninitialized.
UNINITIALIZED_FACTORIES = frozenset({
    "torch.Tensor", "torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor",
    "torch.cuda.FloatTensor", "torch.empty",
})
PARAMETER_NAMES = frozenset({"torch.nn.Parameter", "torch.nn.parameter.Parameter"})
# Tensor methods that hand back the very tensor they are called on: on an nn.Parameter the
# result is still the Parameter. `.float()` is one of them for a Parameter in torch's default
# float32 (a conversion to the dtype a tensor already has returns the tensor itself:
# `nn.Parameter(torch.ones(d)).float()` in a held-out RMSNorm is still registered). Every other
# method or arithmetic on a Parameter (`.to(device)`, `.cuda()`, `.double()`, `* 0.1`) returns a
# new, plain tensor, which a module does not register.
PARAMETER_KEEPING_METHODS = frozenset({"requires_grad_", "share_memory_", "float"})
# Operations that use a tensor as a weight matrix.
MATMUL_FUNCTIONS = frozenset({
    "torch.matmul", "torch.mm", "torch.bmm", "torch.einsum", "torch.addmm", "torch.baddbmm",
    "torch.tensordot", "torch.nn.functional.linear", "torch.nn.functional.bilinear",
    "torch.nn.functional.conv1d", "torch.nn.functional.conv2d", "torch.nn.functional.conv3d",
    "torch.nn.functional.conv_transpose1d", "torch.nn.functional.conv_transpose2d",
    "torch.nn.functional.embedding", "torch.chain_matmul", "torch.linalg.multi_dot",
})
MATMUL_METHODS = frozenset({"matmul", "mm", "bmm"})

# Which parameters train (NNL610): the module methods that iterate a module's parameters,
# the flag and in-place method that freeze them, and the optimizer method that adds more.
PARAMETER_ITERATORS = frozenset({"parameters", "named_parameters"})
REQUIRES_GRAD_ATTRIBUTE = "requires_grad"
REQUIRES_GRAD_METHOD = "requires_grad_"
PARAMETER_GROUP_METHODS = frozenset({"add_param_group"})

# ------------------------------------------------------------------ numerics (NNL2xx)

# What must not get 0 (or less): logs and square roots; what can be 0: norms, deviations,
# counts; constant grids (no gradient flows through them); the spellings of NaN.
LOG_FUNCTIONS = frozenset({"torch.log", "torch.log2", "torch.log10", "numpy.log", "numpy.log2", "numpy.log10"})
LOG_METHODS = frozenset({"log", "log2", "log10", "log_"})
SQRT_FUNCTIONS = frozenset({"torch.sqrt", "torch.rsqrt", "numpy.sqrt"})
# Libraries of the functions above without autograd: no backward pass goes through what
# `np.log(p)` or `np.sqrt(v)` compute, so their -inf or NaN never reaches a gradient.
NO_AUTOGRAD_LIBRARIES = ("numpy.",)
SQRT_METHODS = frozenset({"sqrt", "rsqrt", "sqrt_"})
ZERO_ABLE_FUNCTIONS = frozenset({"torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm",
                                 "torch.std", "torch.count_nonzero"})
ZERO_ABLE_METHODS = frozenset({"norm", "std", "count_nonzero"})
# Decompositions, by which of the outputs they return have unit-norm columns (`q / q.norm()`
# of an eigenvector cannot divide by 0): eigh -> (eigenvalues, eigenvectors), svd -> (U, S, Vh),
# qr -> (Q, R).
UNIT_NORM_OUTPUTS = {
    "torch.linalg.eigh": (False, True), "torch.linalg.eig": (False, True), "torch.symeig": (False, True),
    "torch.linalg.svd": (True, False, True), "torch.svd": (True, False, True),
    "torch.linalg.qr": (True, False), "torch.qr": (True, False),
    "numpy.linalg.eigh": (False, True), "numpy.linalg.eig": (False, True),
    "numpy.linalg.svd": (True, False, True), "numpy.linalg.qr": (True, False),
}
# Factories of all-ones tensors (catalogue.ranges.ONES): a mask built from them has a count by construction.
ONES_FACTORIES = frozenset({"torch.ones", "torch.ones_like"})
# Factories of Gaussian samples (catalogue.ranges.GAUSSIAN): their norm and std are not 0.
GAUSSIAN_FACTORIES = frozenset({"torch.randn", "torch.randn_like", "numpy.random.randn", "numpy.random.normal"})
# Norms: of a unit-norm value (UNIT_NORM_OUTPUTS) they are 1, not zero-able.
NORM_METHODS = frozenset({"norm"})
NORM_FUNCTIONS = frozenset({"torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm"})
GRID_FUNCTIONS = frozenset({"torch.arange", "torch.linspace", "torch.logspace", "torch.meshgrid",
                            "torch.cartesian_prod"})
NAN_NAMES = frozenset({"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "torch.nan"})

# ------------------------------------------------------------------ layer steps (architecture)

_NONLINEAR_NAMES = ("relu relu_ relu6 leaky_relu leaky_relu_ prelu rrelu elu elu_ celu selu gelu silu "
                    "mish sigmoid tanh hardtanh hardswish hardsigmoid softplus softsign softshrink "
                    "hardshrink tanhshrink threshold logsigmoid softmax log_softmax softmin glu "
                    "sigmoid_ tanh_ exp log abs sin cos square sqrt rsqrt erf clamp clip clamp_ "
                    "clamp_min clamp_max maximum minimum where sign gumbel_softmax")
# A comment that names an activation (`# nn.ReLU(),`, `# x = F.relu(x)`): between two linear
# layers it says the author took the activation out on purpose (an experiment, a baseline).
COMMENTED_ACTIVATION = re.compile(
    r"#.*\b(?:nn\.|F\.|torch\.)?(?:leaky_?relu|p?relu6?|[sc]?elu|gelu|silu|swish|mish|tanh|sigmoid|softplus"
    r"|hardtanh|hard_?swish)\b", re.IGNORECASE)
# A comment just above a model that calls it linear (`# nn package to create our linear
# model`, `# a linear baseline`, `# equivalent to logistic regression`): its author knows the
# stacked layers compose to one linear map.
LINEAR_BY_DESIGN_COMMENT = re.compile(
    r"#.*\b(?:linear (?:model|baseline|classifier|regressor|regression|network|net|probe)|"
    r"logistic regression)\b", re.IGNORECASE)
# (kind, linear) of a function applied to one tensor, kinds as in nnlint.catalogue.layers.
_FUNCTION_GROUPS: list[tuple[frozenset[str], str, bool]] = [
    (_names(_F, "linear bilinear conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d")
     | _names("torch.", "conv1d conv2d conv3d"), WEIGHT, False),
    (_names(_F, _NONLINEAR_NAMES) | _names("torch.", _NONLINEAR_NAMES)
     | _names("torch.special.", "expit erf softmax log_softmax"), ACTIVATION, False),
    (_names(_F, "batch_norm"), NORMALIZATION, True),
    (_names(_F, "layer_norm group_norm instance_norm normalize local_response_norm rms_norm"), NORMALIZATION, False),
    (DROPOUT_FUNCTIONS, DROPOUT, False),
    (_names("torch.", "squeeze unsqueeze flatten reshape permute transpose narrow select movedim t chunk split")
     | _names(_F, "pad interpolate pixel_shuffle pixel_unshuffle upsample"), RESHAPE, False),
    (_names(_F, "avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d adaptive_avg_pool2d adaptive_avg_pool3d")
     | _names("torch.", "mean sum"), POOLING, True),
    (_names(_F, "max_pool1d max_pool2d max_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d "
                "lp_pool2d") | _names("torch.", "max amax logsumexp"), POOLING, False),
]
FUNCTION_STEPS: dict[str, tuple[str, bool]] = {
    name: (kind, linear) for names, kind, linear in reversed(_FUNCTION_GROUPS) for name in names}

# (kind, linear) of a tensor method called with no second tensor.
METHOD_STEPS: dict[str, tuple[str, bool]] = {
    **{name: (ACTIVATION, False) for name in _NONLINEAR_NAMES.split()},
    **{name: (ACTIVATION, False) for name in ("pow", "pow_", "exp_", "norm", "max", "min", "amax", "amin",
                                              "topk", "sort", "argmax")},
    **{name: (POOLING, True) for name in ("mean", "sum", "nanmean", "nansum")},
    **{name: (RESHAPE, False) for name in (
        "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_", "flatten",
        "permute", "transpose", "transpose_", "expand", "expand_as", "narrow", "select", "movedim", "t",
        "unflatten", "repeat", "index_select", "gather", "chunk", "split", "unbind", "roll", "flip")},
}
# Functions that merge tensors as a skip connection could (`torch.cat([x, f(x)])`).
SKIP_JOINS = _names("torch.", "cat concat concatenate stack add hstack vstack")
# Products of two tensors: the result depends on both non-linearly.
PRODUCT_FUNCTIONS = _names("torch.", "matmul bmm mm einsum mul baddbmm addmm multiply") \
    | _names(_F, "scaled_dot_product_attention grid_sample")
# Methods that leave the layer structure alone; with a second tensor argument they merge.
PASS_METHODS = frozenset({"contiguous", "float", "double", "half", "bfloat16", "to", "cpu", "cuda",
                          "clone", "detach", "type", "type_as", "requires_grad_", "mul", "mul_", "div",
                          "div_", "add", "add_", "sub", "sub_", "neg"})
# The tensor argument of these only lends its shape, dtype or device: no merge.
SHAPE_ONLY_METHODS = frozenset({"view_as", "reshape_as", "expand_as", "type_as", "to", "new_zeros",
                                "new_ones", "new_empty", "new_full", "new_tensor"})

# What a tensor says of itself that train and eval mode cannot change: its shape, dtype,
# device (`out.shape`, `out.size(1)`, `len(out)`). A model output read only this way comes
# from a shape test, whatever mode the model was in.
SHAPE_ATTRIBUTES = frozenset({"shape", "size", "dtype", "device", "ndim", "dim", "numel", "is_cuda", "layout"})
SHAPE_FUNCTIONS = frozenset({"len"})

# Ways a module reaches its submodules without naming the attribute: `self.children()`,
# `self._modules[name]`, `getattr(self, f"layer{i}")`, `vars(self)`. A class that does
# this may use any layer it holds, so a layer missing from its code is not unused.
MODULE_INTROSPECTION_METHODS = frozenset({
    "modules", "children", "named_modules", "named_children", "_modules", "__dict__",
    "get_submodule", "_get_name",
})
MODULE_INTROSPECTION_FUNCTIONS = frozenset({"getattr", "vars", "hasattr", "delattr", "setattr"})
# A model that loads a checkpoint into itself (`self.load_state_dict(pretrained, strict=True)`)
# or maps its keys (`_load_from_state_dict`) keeps every layer the checkpoint has weights for,
# used or not: a strict load fails without them.
STATE_LOADING_METHODS = frozenset({"load_state_dict", "_load_from_state_dict"})
