"""Datasets that keep a random-generator object and the DataLoaders that run them in workers.

Read by NNL611. A dataset class (a subclass of torch's Dataset, directly or through a class
of this file) that builds a generator object in `__init__` (`self.rng = np.random.default_rng(0)`,
`random.Random(seed)`, `torch.Generator()`) and draws from it in another method is paired with
each `DataLoader` of the file whose dataset argument is an instance of it (directly, through a
variable or through an attribute such as `self.train_set`), with what the call says about
`num_workers` and `worker_init_fn`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

import libcst as cst

from nnlint.analysis.architecture.usage import class_definitions
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name, referable_modules
from nnlint.analysis.program.syntax import argument, descendants, nodes_by_type
from nnlint.catalogue.ecosystem import (DATA_LOADERS, DATASET_BASES, RANDOM_GENERATOR_CONSTRUCTORS,
                                        WORKER_INIT_ARGUMENT)


@dataclass(frozen=True, eq=False)
class DatasetGenerator:
    """`self.<attribute> = <constructor>(...)` in a dataset's `__init__`, drawn from at `use`."""

    dataset: str
    attribute: str
    constructor: str
    node: cst.CSTNode
    use: cst.CSTNode


@dataclass(frozen=True, eq=False)
class WorkerLoader:
    """A DataLoader over an instance of a dataset that keeps a generator, started with worker
    processes (`num_workers` a positive literal or a value nnlint cannot see) and no
    `worker_init_fn`."""

    node: cst.Call
    generator: DatasetGenerator
    workers: str  # the num_workers argument as written


def _is_dataset(name: str, classes: dict[str, cst.ClassDef], aliases: dict[str, str],
                seen: frozenset[str] = frozenset()) -> bool:
    cls = classes.get(name)
    if cls is None or name in seen:
        return False
    for base in cls.bases:
        if base.keyword is not None:
            continue
        if qualified_name(base.value, aliases) in DATASET_BASES:
            return True
        if isinstance(base.value, cst.Name) and _is_dataset(base.value.value, classes, aliases, seen | {name}):
            return True
    return False


def _methods(cls: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return {}
    return {item.name.value: item for item in cls.body.body if isinstance(item, cst.FunctionDef)}


def _self_attribute(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        return node.attr.value
    return None


def _generators(name: str, cls: cst.ClassDef, aliases: dict[str, str]) -> Iterator[DatasetGenerator]:
    methods = _methods(cls)
    init = methods.get("__init__")
    if init is None:
        return
    built: dict[str, tuple[str, cst.CSTNode]] = {}
    for node in descendants(init.body):
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Call):
            constructor = qualified_name(node.value.func, aliases)
            if constructor in RANDOM_GENERATOR_CONSTRUCTORS:
                for target in node.targets:
                    attribute = _self_attribute(target.target)
                    if attribute is not None:
                        built[attribute] = (constructor, node)
    if not built:
        return
    for method_name, method in methods.items():
        if method_name == "__init__":
            continue
        for node in descendants(method.body):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                attribute = _self_attribute(node.func.value)
                if attribute in built:
                    constructor, where = built.pop(attribute)
                    yield DatasetGenerator(name, attribute, constructor, where, node)
            elif isinstance(node, cst.Arg) and _self_attribute(node.value) in built:
                # `torch.rand(3, generator=self.g)`, `rng.choice(..., random_state=self.rs)`
                attribute = _self_attribute(node.value)
                constructor, where = built.pop(attribute)  # type: ignore[arg-type]
                yield DatasetGenerator(name, attribute, constructor, where, node)


def _instance_names(module: cst.Module, datasets: set[str]) -> dict[str, str]:
    """Variable and attribute names bound to an instance of a dataset class: name -> class."""
    names: dict[str, str] = {}
    for node in nodes_by_type(module).get(cst.Assign, ()):  # in textual order, as a walk
        if isinstance(node.value, cst.Call):
            func = node.value.func
            if isinstance(func, cst.Name) and func.value in datasets:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        names[target.target.value] = func.value
                    elif isinstance(target.target, cst.Attribute):
                        names["." + target.target.attr.value] = func.value
    return names


def _dataset_of(expression: Optional[cst.BaseExpression], datasets: set[str], instances: dict[str, str]) -> Optional[str]:
    if isinstance(expression, cst.Call) and isinstance(expression.func, cst.Name) and expression.func.value in datasets:
        return expression.func.value
    if isinstance(expression, cst.Name):
        return instances.get(expression.value)
    if isinstance(expression, cst.Attribute):
        return instances.get("." + expression.attr.value)
    return None


def _starts_workers(workers: Optional[cst.BaseExpression]) -> bool:
    """A positive literal, or a value that is not a literal (a config field, `os.cpu_count()`)."""
    if workers is None:
        return False
    if isinstance(workers, cst.Integer):
        return int(workers.value, 0) > 0
    return not isinstance(workers, (cst.SimpleString, cst.Float)) and not (
        isinstance(workers, cst.Name) and workers.value in ("None", "False"))


def build_data_loading_facts(facts: FileFacts) -> None:
    """Fill `facts.worker_loaders`."""
    aliases = facts.imports
    if not any(full.startswith("torch") for full in referable_modules(aliases)):
        return
    # A dataset class derives, through classes of the file, from a class whose base is a
    # dataset base: a file where no class (in the node index, any depth) has one has none.
    if not any(base.keyword is None and qualified_name(base.value, aliases) in DATASET_BASES
               for node in nodes_by_type(facts.module).get(cst.ClassDef, ()) for base in node.bases):
        return
    classes = {node.name.value: node for node in class_definitions(facts.module.body)}
    generators: dict[str, DatasetGenerator] = {}
    for name, cls in classes.items():
        if _is_dataset(name, classes, aliases):
            for found in _generators(name, cls, aliases):
                generators.setdefault(name, found)
    if not generators:
        return
    instances = _instance_names(facts.module, set(generators))
    for node in nodes_by_type(facts.module).get(cst.Call, ()):  # in textual order, as a walk
        if qualified_name(node.func, aliases) not in DATA_LOADERS:
            continue
        if any(arg.star for arg in node.args):
            continue  # `**loader_kwargs` may hold num_workers and worker_init_fn
        dataset = _dataset_of(argument(node, 0, "dataset"), set(generators), instances)
        workers = argument(node, 5, "num_workers")
        if dataset is None or not _starts_workers(workers) or argument(node, 10, WORKER_INIT_ARGUMENT) is not None:
            continue
        facts.worker_loaders.append(WorkerLoader(node, generators[dataset], facts.module.code_for_node(workers)))
