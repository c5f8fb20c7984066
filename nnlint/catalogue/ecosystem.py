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
)
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
