"""Name conventions: how PyTorch code names its training functions, models and optimizers.

nnlint reads code without running it, so some roles are recognised by name: a function
`train_one_epoch` trains, `evaluate` evaluates, a variable `optimizer_g` is an optimizer.
Each pattern is matched with `search` against one name (a function's, a variable's or the
last part of a dotted name); each has one meaning, and every analysis and rule that needs
that meaning uses the same one.
"""

from __future__ import annotations

import re

# Functions. A training function: `train`, `fit`, `_train_epoch`, Lightning's `training_step`
# (not `train_loader`, `train_transform`, `train_test_split`).
TRAIN_FUNCTION = re.compile(
    r"^_*(train|fit)(?!.*(loader|data|set|transform|split|aug))|^training_step$|_train$|^run_epoch", re.IGNORECASE)
EVAL_FUNCTION = re.compile(
    r"^_*(eval|test|valid|predict|infer|inference|evaluate|validate)"
    r"|^(validation|test|predict)_step$|_(eval|test|inference|predict)$", re.IGNORECASE)
# Functions through which gradients flow even outside a Module: losses, distances, normalizations.
GRADIENT_FUNCTION = re.compile(
    r"^forward$|loss|criterion|objective|penalty|regulari[sz]|dist|contrastive|triplet|normali[sz]"
    r"|standardi[sz]|mean|average|pool|similarity", re.IGNORECASE)
# Functions no backward pass goes through, whatever else their name says: evaluation metrics
# (`root_mean_squared_error`, `psnr`, `accuracy`), hand-written derivatives (`dx_distort_points`,
# `jacobian`), box and anchor geometry for matching (`boxes_center_distance`), and
# visualisation (`to_rgb`, `log_images`, `plot_*`; not `render` or `draw`: differentiable
# renderers and samplers take gradients).
NO_GRADIENT_FUNCTION = re.compile(
    r"metric|(^|_)(errors?|accuracy|acc|score|psnr|iou|auc)$|jacobian|^d[xyzp]_|(^|_)(boxe?s?|bbox(es)?|anchors?)(_|$)"
    r"|visuali[sz]|plot|^_?show|to_rgb|log_image|colori[sz]"
    # Initializers run once, before any step, on leaf tensors (torch.nn.init itself works
    # under no_grad): `_init_weights`, `init_buffers`, `reset_parameters`; not `__init__`.
    r"|^_?init_|^_?initiali[sz]e|^reset_parameters$", re.IGNORECASE)
# ...and the words that make a function a loss whatever else it is named (`jacobian_penalty`).
LOSS_FUNCTION_WORD = re.compile(r"loss|criterion|objective|penalty|regulari[sz]", re.IGNORECASE)

# Calls that return a learned representation, by the method's name: an encoder's or a
# projection's output (`model.encode_text(t)`, `clip.get_image_features(x)`), nonzero in practice.
EMBEDDING_METHOD = re.compile(r"^(encode|embed|project|get_\w*features$|forward_features$|extract_features$)")

# A comment on a layer's construction saying it is kept on purpose though forward does not use
# it: for a checkpoint's keys, for compatibility, or for training code not in this port
# (`# not used in evaluation`). A bare "not used" is not one: it is the author noticing the bug.
KEPT_LAYER_COMMENT = re.compile(
    r"compat|checkpoint|state_?dict|pretrained|legacy|weights? load|"
    r"not used (in|during|at|for) (eval|inference|test|predict)|(only|used) (in|for|during) training|training[- ]only",
    re.IGNORECASE)

# Data and transforms: a word of the name says which split it is for (`train_tf`, `val_set`).
TRAIN_DATA_WORD = re.compile(r"(^|[^a-z])train|^tr_|^tr$", re.IGNORECASE)
EVAL_DATA_WORD = re.compile(r"(^|[^a-z])(test|val|valid|validation|eval|evaluation|infer|inference|predict|dev)"
                            r"([^a-z]|$)|^(test|val|eval|infer|predict)", re.IGNORECASE)
# Stricter, for the data a scaler is fitted on (`X_test`, `val_df`, `holdout`): a wrong
# guess there is a false finding, so only whole words count.
EVAL_DATA_NAME = re.compile(r"(^|_)(test|val|valid|validation|eval|dev|holdout)(_|\d|$)|^(x|X)(test|val|valid)$|"
                            r"(test|val|valid)_?(x|X|data|set|df|features)$", re.IGNORECASE)
TRAIN_DATA_NAME = re.compile(r"train", re.IGNORECASE)

# Models. A variable or parameter that holds the model being trained or evaluated.
MODEL_NAME = re.compile(r"^(model|net|network|classifier|regressor|encoder|decoder|cnn|mlp|"
                        r"discriminator|generator|netg|netd|g|d|student|teacher)$|_model$|_net$|^model_|^net_",
                        re.IGNORECASE)
# A name that does something to a model or hands one out (`accelerator.unwrap_model(m)`,
# `self.get_model()`, `load_model(path)`): a function, so calling it is not a model call.
MODEL_ACTION_NAME = re.compile(
    r"^(unwrap|get|load|build|create|make|init|initialize|prepare|save|wrap|copy|clone|freeze|unfreeze|"
    r"export|compile|print|fit|run|update|sync|merge|reset|register|convert|push|setup|instantiate|"
    r"construct|restore|evaluate|validate|summarize|count|log|inspect|check|patch)_(\w+_)?model$",
    re.IGNORECASE)
# Narrower, for a training function's parameter taken to be the file's only model class.
MODEL_PARAMETER = re.compile(r"^(model|net|network|classifier|regressor)$|_model$|_net$")

# Likewise, a training function's parameter taken to be the file's only loss module class.
CRITERION_PARAMETER = re.compile(r"^(criterion|loss_fn|loss_func|loss_function|criterium)$")

# Optimizers and schedulers. `optimizer`, `opt_g`, `d_optim`, `solver` (not `options`).
OPTIMIZER_NAME = re.compile(r"optim|^opt(?!ion)|_opt(?!ion)|opt_|solver", re.IGNORECASE)
SCHEDULER_NAME = re.compile(r"sched|^lr_|_lr$|warmup", re.IGNORECASE)
# What `.step()` is called on to update the weights: an optimizer, AMP's GradScaler
# (`scaler.step(optimizer)`), accelerate's Accelerator.
STEP_RECEIVER = re.compile(OPTIMIZER_NAME.pattern + r"|scaler|accelerator", re.IGNORECASE)

# Losses: a variable holding a loss value, a callee computing one.
LOSS_NAME = re.compile(r"loss", re.IGNORECASE)
LOSS_CALLEE = re.compile(r"loss|criterion|cross_entropy|nll|mse|bce", re.IGNORECASE)


def is_optimizer_name(name: str) -> bool:
    """A variable named as an optimizer and not as a scheduler (`optim_scheduler` is one)."""
    return bool(OPTIMIZER_NAME.search(name)) and not SCHEDULER_NAME.search(name)

# Test code: a file pytest or unittest would collect (`test_model.py`, `model_test.py`,
# `conftest.py`), or a file of a test package: under a `tests`/`test`/`testing` folder of the
# project, in a folder that is a test suite's (it holds an `__init__.py`, a `conftest.py` or
# test files). Models there are placeholders: their architecture, initialization and learning
# rate only have to exercise the code under test. A `test.py` script is not test code (in ML
# projects it usually evaluates a model), nor is a loose folder of scripts under `tests/`.
TEST_FILE = re.compile(r"^(test_.+|.+_test|conftest)\.(py|ipynb)$")
TEST_FOLDER = re.compile(r"^(tests?|testing|unit_?tests?)$")
TEST_SUITE_MARKER = re.compile(r"^(__init__|conftest|test_.+|.+_test)\.py$")


def is_test_path(parts: tuple[str, ...], siblings: tuple[str, ...] = ()) -> bool:
    """`parts` of a file's path relative to its project root, the file name last; `siblings`
    the names of the files in its folder."""
    if not parts:
        return False
    if TEST_FILE.match(parts[-1]):
        return True
    return any(TEST_FOLDER.match(part) for part in parts[:-1]) \
        and any(TEST_SUITE_MARKER.match(name) for name in siblings)

# A tensor named as a selection by value (`pos`, `num_neg`, `valid`, `keep`, `hits`): its sum
# counts the elements that qualify, 0 when none does (a batch with no positive anchor). A
# `mask` is not one by name: padding and length masks keep at least one element of every
# real sequence; a mask made by comparing values is a selection by what it was made of.
SELECTION_NAME = re.compile(r"valid|pos|neg|keep|select|hit", re.IGNORECASE)

# A test function of a test file (FileFacts.test_code). `def test(model, loader)` in a
# training script is evaluation code; `def test_forward_shape()` in tests/ is a unit test.
TEST_FUNCTION = re.compile(r"^_*test_")

# Models that are run in a training loop without being trained on purpose: an EMA copy, an
# RL target network, a distillation teacher, a frozen reference (`ema_model`, `target_net`).
UNTRAINED_MODEL_NAME = re.compile(r"ema|target|teacher|frozen|old|ref(erence)?(_|$)|pretrained|prior|fixed",
                                  re.IGNORECASE)

# Snippets. Forum posts, notebook cells and pasted fragments use torch's conventional names
# without the import lines; a file that leaves one of these names unbound means this module.
CONVENTIONAL_IMPORTS: dict[str, str] = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "optim": "torch.optim",
    "np": "numpy",
    # A pasted data pipeline: `Dataset`/`DataLoader` (torch.utils.data's classes, which
    # posts use bare) and torchvision's `transforms` module.
    "Dataset": "torch.utils.data.Dataset",
    "DataLoader": "torch.utils.data.DataLoader",
    "transforms": "torchvision.transforms",
    # Other libraries' conventional aliases, for the readers the catalogue knows of them
    # (cv2.imread's uint8 arrays, pandas' float64 frames, PIL images) and Lightning's modules.
    "cv2": "cv2",
    "pd": "pandas",
    "Image": "PIL.Image",
    "pl": "pytorch_lightning",
}

# Of those, the names a star import (`from utils import *`, common in notebooks and research
# scripts) can only have brought in as that module: nobody binds `torch`, `nn` or `np` to
# anything else. After a star import the other conventional names stay unknown.
STAR_IMPORTED_CONVENTIONS = frozenset({"torch", "nn", "np"})

# Methods that only a LightningModule has: a pasted run of `self` methods naming one of these
# (a `training_step` posted alone) is the body of a LightningModule, not of a plain Module.
LIGHTNING_MODULE_METHODS = frozenset({
    "training_step", "validation_step", "test_step", "predict_step", "configure_optimizers",
})

# Seeding. A call of one of these (or of any function named like `set_seed`, `seed_everything`,
# `init_seeds`, `fix_seed`: projects write their own helper) seeds a run.
SEEDING_FUNCTIONS = frozenset({
    "torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all",
    "random.seed", "numpy.random.seed", "pytorch_lightning.seed_everything", "lightning.seed_everything",
    "lightning.pytorch.seed_everything", "lightning.fabric.seed_everything", "transformers.set_seed",
    "accelerate.utils.set_seed",
})
SEED_FUNCTION = re.compile(r"seed", re.IGNORECASE)
SEED_NAME = re.compile(r"^(random_|manual_|global_|rng_)?seed$", re.IGNORECASE)
# The trainers whose `fit` starts a run without seeding it. transformers' Trainer is not
# one: it calls set_seed(args.seed) itself (TrainingArguments.seed defaults to 42).
RUN_STARTERS = {
    "pytorch_lightning.Trainer": ("fit",), "lightning.Trainer": ("fit",), "lightning.pytorch.Trainer": ("fit",),
}

# What a run keeps or reports, that a second run should repeat (NNL612: a run with nothing
# of the kind, such as a minimal API example that prints its loss, has nothing to reproduce).
# Calls whose last name keeps or evaluates the model: `torch.save`, `save_image`,
# `model.eval()`, `trainer.test(...)`, `evaluate(...)`.
RESULT_CALLS = frozenset({
    "save", "save_pretrained", "save_checkpoint", "save_model", "save_state_dict", "save_image", "save_images",
    "savefig", "push_to_hub", "to_csv", "add_scalar", "add_scalars", "log_metrics",
    "eval", "evaluate", "validate", "test", "predict",
})
# The words (of names split at `_` and camel case) of a metric computed or an evaluator used:
# `acc`, `num_correct`, `f1_score`, `roc_auc_score`, `MulticlassAccuracy`, `Evaluator`.
METRIC_WORDS = frozenset({
    "acc", "accuracy", "accuracies", "correct", "f1", "auc", "auroc", "mrr", "hits", "metric", "metrics", "iou",
    "miou", "dice", "bleu", "rouge", "perplexity", "ppl", "evaluator", "top1", "top5", "rmse", "mae", "r2",
})

# A comment saying the code below fails on purpose: a course notebook showing the error a
# mistake raises before fixing it ("# this will error", "# raises RuntimeError").
DELIBERATE_ERROR_COMMENT = re.compile(
    r"\b(will|would|should|going to|expected to|to)\s+(error|fail|raise|crash|break)\b|"
    r"\bthis\s+(errors|fails|raises|crashes)\b|\b(raises|throws)\s+(an?\s+)?\w*(Error|Exception)\b",
    re.IGNORECASE)
