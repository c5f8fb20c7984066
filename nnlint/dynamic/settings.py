"""`[tool.nnlint.dynamic]`: limits of the child process and how to build each model.

Validated when the config is read, like every other table: an unknown key or a value of the
wrong type is an error naming the key and the file. Nothing here imports torch.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 4096
DEFAULT_THREADS = 1
DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "bool")


class DynamicSettingsError(ValueError):
    """A `[tool.nnlint.dynamic]` value that cannot be used; the message names the key."""


@dataclass(frozen=True)
class ModelSpec:
    """How to build one model and what to feed it. `inputs` holds one shape per forward
    argument; empty means "infer it"."""

    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[tuple[int, ...], ...] = ()
    dtype: Optional[str] = None
    classes: Optional[int] = None
    # Seconds this model may take (building, shape check, probes); None: the table's `timeout`.
    timeout: Optional[float] = None

    def as_request(self) -> dict[str, Any]:
        return {"args": list(self.args), "kwargs": dict(self.kwargs),
                "inputs": [list(shape) for shape in self.inputs], "dtype": self.dtype,
                "classes": self.classes, "timeout": self.timeout}


@dataclass(frozen=True)
class DynamicSettings:
    """`timeout` is seconds per step in the child (importing the module, each model);
    `memory_mb` limits its address space; `models` maps "pkg.module:Name" (or
    "path/file.py:Name") to how that model is built."""

    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    threads: int = DEFAULT_THREADS
    models: Mapping[str, ModelSpec] = field(default_factory=dict)


_TOP_KEYS = ("timeout", "memory-mb", "threads", "models")
_MODEL_KEYS = ("args", "kwargs", "input", "dtype", "classes", "timeout")


def _unknown(key: str, known: tuple[str, ...], where: str) -> DynamicSettingsError:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
    return DynamicSettingsError(f"unknown key {key!r} in {where}{hint}")


def _positive_number(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise DynamicSettingsError(f"{key!r} in {where} must be a positive number, not {value!r}")
    return float(value)


def _positive_int(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DynamicSettingsError(f"{key!r} in {where} must be a positive integer, not {value!r}")
    return value


def _json_value(value: Any, key: str, where: str) -> Any:
    # Arguments travel to the child process as JSON; TOML dates and times cannot.
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list):
        return [_json_value(item, key, where) for item in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v, key, where) for k, v in value.items()}
    raise DynamicSettingsError(f"{key!r} in {where} holds a {type(value).__name__}; use numbers, strings, "
                               "booleans, lists and tables")


def parse_shape(value: Any, key: str, where: str) -> tuple[int, ...]:
    if (not isinstance(value, list) or not value
            or not all(isinstance(size, int) and not isinstance(size, bool) and size > 0 for size in value)):
        raise DynamicSettingsError(f"{key!r} in {where} must be a shape: a list of positive integers "
                                   f"(e.g. [4, 3, 32, 32]), not {value!r}")
    return tuple(value)


def _inputs(value: Any, where: str) -> tuple[tuple[int, ...], ...]:
    # `input = [4, 3, 32, 32]` is one argument; `input = [[4, 16], [4, 16]]` is several.
    if isinstance(value, list) and value and all(isinstance(item, list) for item in value):
        return tuple(parse_shape(item, "input", where) for item in value)
    return (parse_shape(value, "input", where),)


def parse_model_spec(table: Any, where: str) -> ModelSpec:
    if not isinstance(table, dict):
        raise DynamicSettingsError(f"{where} must be a table, not {type(table).__name__}")
    for key in table:
        if key not in _MODEL_KEYS:
            raise _unknown(key, _MODEL_KEYS, where)
    args = table.get("args", [])
    if not isinstance(args, list):
        raise DynamicSettingsError(f"'args' in {where} must be a list, not {args!r}")
    kwargs = table.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise DynamicSettingsError(f"'kwargs' in {where} must be a table, not {kwargs!r}")
    dtype = table.get("dtype")
    if dtype is not None and dtype not in DTYPES:
        raise DynamicSettingsError(f"'dtype' in {where} must be one of {', '.join(DTYPES)}, not {dtype!r}")
    classes = table.get("classes")
    if classes is not None:
        classes = _positive_int(classes, "classes", where)
    timeout = _positive_number(table["timeout"], "timeout", where) if "timeout" in table else None
    return ModelSpec(
        timeout=timeout,
        args=tuple(_json_value(args, "args", where)),
        kwargs=_json_value(kwargs, "kwargs", where),
        inputs=_inputs(table["input"], where) if "input" in table else (),
        dtype=dtype,
        classes=classes,
    )


def parse_dynamic_table(table: Mapping[str, Any], path: str) -> DynamicSettings:
    """The validated `[tool.nnlint.dynamic]` table of config file `path`."""
    where = f"[tool.nnlint.dynamic] of {path}"
    for key in table:
        if key not in _TOP_KEYS:
            raise _unknown(key, _TOP_KEYS, where)
    settings: dict[str, Any] = {}
    if "timeout" in table:
        settings["timeout"] = _positive_number(table["timeout"], "timeout", where)
    if "memory-mb" in table:
        settings["memory_mb"] = _positive_int(table["memory-mb"], "memory-mb", where)
    if "threads" in table:
        settings["threads"] = _positive_int(table["threads"], "threads", where)
    if "models" in table:
        models = table["models"]
        if not isinstance(models, dict):
            raise DynamicSettingsError(f"'models' in {where} must be a table, not {type(models).__name__}")
        specs = {}
        for name, spec in models.items():
            if ":" not in name:
                raise DynamicSettingsError(f"model {name!r} in {where} must be written \"pkg.module:Name\" "
                                           "or \"path/file.py:Name\"")
            specs[name] = parse_model_spec(spec, f'[tool.nnlint.dynamic.models."{name}"] of {path}')
        settings["models"] = specs
    return DynamicSettings(**settings)
