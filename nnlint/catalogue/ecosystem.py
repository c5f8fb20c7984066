"""The libraries PyTorch code builds on: which of their classes are Modules, which of their
calls build a whole model and what that model is like.

Matched against fully qualified names as the import table resolves them.
"""

from __future__ import annotations

import re

# Base classes that make a class an nn.Module.
MODULE_BASES = frozenset({
    "torch.nn.Module", "torch.nn.modules.module.Module",
    "pytorch_lightning.LightningModule", "lightning.LightningModule",
    "lightning.pytorch.LightningModule", "pytorch_lightning.core.LightningModule",
    "lightning.pytorch.core.LightningModule",
})
# A base class spelled like this is a LightningModule of some import path nnlint does not list.
MODULE_BASE_SUFFIX = "LightningModule"

# Bases that never make a class a Module: builtins, and the roots of modules of the standard
# library and of the data stack. Any other base not defined in the file (a project class
# imported from another file, a library class nnlint does not list) is unknown, and the class
# body decides (nnlint.analysis.program.module_classes).
NON_MODULE_BASES = frozenset({
    "object", "Exception", "BaseException", "ValueError", "RuntimeError", "dict", "list", "tuple",
    "set", "str", "int", "float", "type", "Generic", "Protocol", "NamedTuple", "TypedDict", "ABC",
})
NON_MODULE_BASE_ROOTS = ("abc.", "typing.", "enum.", "dataclasses.", "collections.", "numpy.",
                         "torch.utils.data.", "torch.autograd.", "torch.optim.", "unittest.",
                         "pytest.", "argparse.", "json.", "threading.", "multiprocessing.")

# A base class named like this is taken for a Module when its definition is not in view
# (`BaseModel`, `PreTrainedModel`, `SomethingModule`).
MODULE_LIKE_BASE = re.compile(r"Module$|LightningModule$|Model$|PreTrainedModel")

# Calls that build a whole pretrained or named architecture. `mode_layers`: it holds dropout
# or batch-norm, so `.eval()` matters. `image_input`: it takes float images.
MODEL_FACTORIES = (
    (re.compile(r"^torchvision\.models\."), {"mode_layers": True, "image_input": True}),
    (re.compile(r"^timm\.create_model$"), {"mode_layers": True, "image_input": True}),
    (re.compile(r"^timm\.models\."), {"mode_layers": True, "image_input": False}),
    (re.compile(r"^segmentation_models_pytorch\."), {"mode_layers": True, "image_input": False}),
    (re.compile(r"^transformers\..*from_pretrained$"), {"mode_layers": True, "image_input": False}),
    # torchtext's model bundles (`XLMR_BASE_ENCODER.get_model()`): RoBERTa with dropout 0.1.
    (re.compile(r"^torchtext\.models\.\w+\.get_model$"), {"mode_layers": True, "image_input": False}),
)
# Calls that wrap a model for parameter-efficient fine-tuning: only adapters, prompts or
# norms are trained, and the published recipes use learning rates of 1e-2..1 for them.
PARAMETER_EFFICIENT_WRAPPERS = re.compile(
    r"^peft\.(get_peft_model|inject_adapter_in_model|\w*Peft\w*\.from_pretrained)$")

# `X.from_pretrained(...)` of any library builds a pretrained model (with dropout).
PRETRAINED_CONSTRUCTOR = "from_pretrained"

# Data pipelines. Transform libraries; the steps that turn an image into a tensor; random
# augmentations (for training pipelines only; no rule reads them yet); scikit-learn's
# scalers (to be fitted on training data only).
TRANSFORM_LIBRARIES = ("torchvision.transforms.", "albumentations.")
TENSOR_STEPS = re.compile(r"\.(ToTensor|PILToTensor|ToImage|ToImageTensor|ToDtype|ConvertImageDtype|ToTensorV2)$")
AUGMENTATION = re.compile(r"\.(Random\w+|ColorJitter|TrivialAugmentWide|AutoAugment|RandAugment|AugMix|"
                          r"HorizontalFlip|VerticalFlip|ShiftScaleRotate|GaussNoise|CoarseDropout)$")
SCALERS = frozenset(f"sklearn.preprocessing.{name}" for name in (
    "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer",
    "QuantileTransformer", "PowerTransformer"))

# scikit-learn pipelines: one built with a scaler among its steps is fitted like a scaler.
SCALER_PIPELINES = frozenset({"sklearn.pipeline.Pipeline", "sklearn.pipeline.make_pipeline"})
# Calls that join arrays or frames row-wise: train and test joined are all the data.
DATA_JOINS = frozenset({"pandas.concat", "numpy.concatenate", "numpy.vstack", "numpy.row_stack", "torch.cat",
                        "torch.vstack"})

# Training idioms. What `.backward(loss)` is called on when the library divides the loss by
# its own gradient-accumulation steps: accelerate's Accelerator, a DeepSpeed engine.
ACCUMULATION_AWARE_BACKWARD = re.compile(r"accelerator|engine", re.IGNORECASE)

# Data loading. The Dataset bases, the DataLoader classes, and the random-generator objects a
# dataset can keep. Since torch 1.9 every DataLoader worker reseeds Python's `random`, torch
# and numpy's global generator (torch/utils/data/_utils/worker.py); a generator *object*
# built in the dataset's `__init__` is copied into each worker with the same state and is not
# reseeded, so every worker (and, without persistent workers, every epoch) draws the same numbers.
DATASET_BASES = frozenset({
    "torch.utils.data.Dataset", "torch.utils.data.dataset.Dataset",
    "torch.utils.data.IterableDataset", "torch.utils.data.dataset.IterableDataset",
})
DATA_LOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
RANDOM_GENERATOR_CONSTRUCTORS = frozenset({
    "numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator",
    "random.Random", "torch.Generator",
})
# The DataLoader argument that runs code in each worker before loading (where generators are reseeded).
WORKER_INIT_ARGUMENT = "worker_init_fn"

# What each scikit-learn scaler maps its data to, for targets (NNL110). MinMaxScaler's
# `feature_range` argument changes it; QuantileTransformer is uniform on [0, 1] by default.
SCALER_TARGET_KINDS = {
    "sklearn.preprocessing.StandardScaler": "standardized",
    "sklearn.preprocessing.RobustScaler": "standardized",
    "sklearn.preprocessing.PowerTransformer": "standardized",
    "sklearn.preprocessing.MinMaxScaler": "unit_interval",
    "sklearn.preprocessing.MaxAbsScaler": "symmetric_unit",
    "sklearn.preprocessing.QuantileTransformer": "unit_interval",
}
# Calls that turn an array into a tensor (or back) without changing its values.
VALUE_KEEPING_CONVERSIONS = frozenset({
    "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.Tensor", "torch.FloatTensor",
    "torch.DoubleTensor", "numpy.array", "numpy.asarray", "numpy.float32",
})
# Elementwise logarithms, as a target transform.
LOG_TRANSFORMS = frozenset({"torch.log", "torch.log1p", "numpy.log", "numpy.log1p", "numpy.log2", "numpy.log10",
                            "torch.log2", "torch.log10", "math.log"})

# Calls that decode an image into a uint8 tensor of values 0-255 (NNL505, NNL507).
UINT8_IMAGE_READERS = frozenset({
    "torchvision.io.read_image", "torchvision.io.decode_image", "torchvision.io.decode_jpeg",
    "torchvision.io.decode_png", "torchvision.transforms.functional.pil_to_tensor",
    "torchvision.transforms.v2.functional.pil_to_tensor",
})
# Calls that load an image as a uint8 numpy array (or a PIL image that np.array makes one).
UINT8_ARRAY_READERS = frozenset({
    "cv2.imread", "PIL.Image.open", "imageio.imread", "imageio.v2.imread", "imageio.v3.imread", "skimage.io.imread",
})

# `X.from_pretrained(...)` where X is named like this loads something that is not an
# nn.Module: a tokenizer, a processor or feature extractor, a config, a noise scheduler, or a
# diffusers pipeline (a container of modules with no mode of its own).
PRETRAINED_NON_MODULE = re.compile(
    r"(tokenizer|processor|feature_?extractor|config|scheduler|pipeline)(_?fast)?(_?cls|_?class)?$",
    re.IGNORECASE)
# transformers, diffusers and peft all call `model.eval()` at the end of `from_pretrained`, and
# other libraries copy the convention: a model loaded this way starts in evaluation mode.
EVAL_MODE_CONSTRUCTORS = frozenset({PRETRAINED_CONSTRUCTOR})

# Libraries whose own objects expose `forward(...)` as public API without being nn.Modules
# (skorch's NeuralNet wraps a module and its `forward` is the batched inference call;
# TorchScript custom classes of `torch.classes`). In a file using them, `x.forward(...)` on a
# name not bound to a module is that API.
FORWARD_API_LIBRARIES = ("skorch", "torch.classes")

# Calls that give a module something its `__call__` runs around `forward`: hooks, the
# reparametrisations built on them (weight/spectral norm, pruning masks, parametrize), and
# wrappers whose own forward logic `__call__` dispatches (DDP, FSDP, torch.compile). Matched on
# the callee's last name. A file with none of them registers nothing a direct `.forward()`
# on a module it builds itself could skip (NNL604).
HOOK_INSTALLERS = frozenset({
    "register_forward_hook", "register_forward_pre_hook", "register_full_backward_hook",
    "register_full_backward_pre_hook", "register_backward_hook", "register_module_forward_hook",
    "register_module_forward_pre_hook", "register_module_full_backward_hook",
    "weight_norm", "spectral_norm", "remove_weight_norm", "register_parametrization", "orthogonal",
    "l1_unstructured", "random_unstructured", "ln_structured", "random_structured", "global_unstructured",
    "custom_from_mask", "DistributedDataParallel", "DataParallel", "FullyShardedDataParallel",
    "FSDP", "DDP", "checkpoint_wrapper", "apply_activation_checkpointing", "prepare",
})
# The same, where the last name alone is too common to match (`re.compile`).
HOOK_INSTALLER_FUNCTIONS = frozenset({"torch.compile"})

# Context managers of libraries that set the mode of the networks passed to them for the
# `with` block (and put the old mode back after it): (mode, whether the block also runs
# without gradients). A project's own are learnt from their body (nnlint.analysis.paths.mode_contexts).
MODE_CONTEXTS = {
    "monai.networks.utils.eval_mode": ("eval", True),
    "monai.networks.eval_mode": ("eval", True),
    "monai.networks.utils.train_mode": ("train", False),
    "monai.networks.train_mode": ("train", False),
}
# Decorators that make a generator function a context manager.
CONTEXT_MANAGER_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})

# pandas: how a DataFrame or Series hands its data to numpy (`df.values`, `df.to_numpy()`).
# The array has the columns' dtype -- float64 or int64 for numeric data read from a file,
# never float32 unless asked -- so a tensor made from it does not suit a float32 model.
DATAFRAME_ARRAY_ATTRIBUTES = frozenset({"values"})
DATAFRAME_ARRAY_METHODS = frozenset({"to_numpy"})
# scikit-learn scalers keep float32 input float32 and turn every other dtype into float64
# (their output dtype follows the input: `FLOAT_DTYPES` in sklearn.utils.validation).
SCALER_METHODS = frozenset({"fit_transform", "transform", "inverse_transform"})
