"""What model inputs go through: transform pipelines and scalers, on which path.

Part of the path facts (`nnlint.analysis.paths.build`), read by NNL501 and NNL504:

- every transform pipeline (`transforms.Compose`, `transforms.v2.Compose`,
  `albumentations.Compose`) with its steps, whether it normalizes (and with which literal
  mean/std), and whether it serves training or evaluation: from the name it is bound to
  (`train_tf`, `data_transforms['val']`), the dataset it is given to (`train=False`,
  `split='test'`, `testset = ...`), or the function it is built in (an inference function);
- every sklearn scaler (`StandardScaler`, `MinMaxScaler`, ...) with its `fit` /
  `fit_transform` / `transform` calls and the data passed to them, and the
  `train_test_split` calls after them;
- evaluation functions that turn a raw argument into a tensor and call a model without any
  scaler, while a scaler was fitted for training.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.paths.facts import EVAL, MODEL_CALL, OTHER, STEP, TRAIN, PathFacts, Scope
from nnlint.analysis.paths.scopes import OwnStatements
from nnlint.analysis.program.syntax import dotted_name, iter_calls, string_value
from nnlint.catalogue.ecosystem import (DATA_JOINS, SCALER_PIPELINES, SCALERS, TENSOR_STEPS, TRANSFORM_LIBRARIES,
                                        VALUE_KEEPING_CONVERSIONS)
from nnlint.catalogue.names import EVAL_DATA_NAME, EVAL_DATA_WORD, TRAIN_DATA_NAME, TRAIN_DATA_WORD

_SCALER_NAME = re.compile(r"scaler|normali[sz]er|standardi[sz]er", re.IGNORECASE)
_TENSOR_CONSTRUCTORS = frozenset({"torch.tensor", "torch.from_numpy", "torch.as_tensor", "torch.Tensor",
                                  "torch.FloatTensor", "torch.DoubleTensor"})


@dataclass(frozen=True, eq=False)
class TransformStep:
    qualname: str  # `torchvision.transforms.Normalize`; "" when unknown (a user step)
    node: cst.CSTNode
    # For a Normalize: the source text of its arguments (to compare the constants).
    constants: Optional[str] = None
    shared: Optional[str] = None  # the variable it was referenced through (`normalize`)

    @property
    def short(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(eq=False)
class Pipeline:
    node: cst.Call
    bound_to: str  # the variable, dict key or keyword it is bound to ("" if none)
    steps: list[TransformStep]
    role: str = OTHER  # TRAIN / EVAL / OTHER
    scope: str = "<module>"
    why: str = ""  # how the role was decided
    # Called on data in an evaluation or inference function (`to_tensor(image)` in predict()).
    applied_at_evaluation: bool = False

    @property
    def normalizes(self) -> list[TransformStep]:
        return [step for step in self.steps if step.short == "Normalize"]

    @property
    def to_tensor(self) -> bool:
        return any(TENSOR_STEPS.search(step.qualname) for step in self.steps)

    @property
    def fully_known(self) -> bool:
        return all(step.qualname for step in self.steps)


@dataclass(frozen=True, eq=False)
class ScalerCall:
    scaler: str  # the variable holding the scaler
    method: str  # fit, fit_transform, partial_fit, transform, inverse_transform
    node: cst.Call
    data: Optional[cst.BaseExpression]  # the first argument
    data_name: Optional[str]  # its root variable name
    scope: Scope
    index: int  # order within the scope
    result: Optional[str] = None  # the variable the call's result is bound to


@dataclass(frozen=True, eq=False)
class Split:
    node: cst.Call
    names: frozenset[str]
    scope: Scope
    index: int


@dataclass(frozen=True, eq=False)
class UnscaledInput:
    """An evaluation function turning a raw argument into a tensor for a model, scaler-free."""

    scope: Scope
    construction: cst.Call
    model_call: cst.CSTNode


@dataclass(eq=False)
class PreprocessingFacts:
    pipelines: list[Pipeline] = field(default_factory=list)
    # Normalize objects built outside any pipeline (applied by hand: `normalize(x)`).
    loose_normalizes: list[cst.Call] = field(default_factory=list)
    scalers: dict[str, cst.Call] = field(default_factory=dict)
    scaler_calls: list[ScalerCall] = field(default_factory=list)
    splits: list[Split] = field(default_factory=list)
    # Names bound to a join of training and evaluation data (`pd.concat([X_train, X_test])`):
    # all of the data, as before a split.
    joined: dict[str, cst.Call] = field(default_factory=dict)
    unscaled_inputs: list[UnscaledInput] = field(default_factory=list)


def root_name(node: Optional[cst.CSTNode], aliases: Optional[dict[str, str]] = None) -> Optional[str]:
    """`X_test` for `X_test`, `X_test[:, 1:]`, `df_test[cols].values`, `X_test.values`, and
    (given the import table) through a value-keeping conversion: `np.asarray(X_std)`."""
    while True:
        if aliases is not None and type(node) is cst.Call and len(node.args) >= 1 \
                and node.args[0].keyword is None \
                and (qualified_name(node.func, aliases) or "") in VALUE_KEEPING_CONVERSIONS:
            node = node.args[0].value
            continue
        if type(node) is cst.Name:
            return node.value
        if type(node) is cst.Attribute:
            node = node.value
        elif type(node) is cst.Subscript:
            node = node.value
        elif type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in (
                "reshape", "to_numpy", "astype", "copy", "values", "drop", "view", "numpy"):
            node = node.func.value
        else:
            return None


class _Builder:
    def __init__(self, facts: FileFacts, paths: PathFacts, statements: OwnStatements) -> None:
        self.facts = facts
        self.paths = paths
        self.aliases = facts.imports
        self.out = PreprocessingFacts()
        self.variables: dict[str, cst.BaseExpression] = {}  # module/function-level simple bindings
        self.pipeline_by_node: dict[int, Pipeline] = {}
        self.in_pipeline: set[int] = set()
        # Each scope's own statements, listed once for the passes over them.
        self._statements = statements

    def run(self) -> PreprocessingFacts:
        for scope in self.paths.scopes:
            self._scan_scope(scope)
        if self.out.pipelines:
            # Without a pipeline, every call `_usages` looks at finds none to give a role to.
            for scope in self.paths.scopes:
                self._usages(scope)
        self._unscaled_inputs()
        return self.out

    # --------------------------------------------------------------- statements

    def _own_statements(self, scope: Scope) -> list[cst.CSTNode]:
        """The scope's own small statements and header expressions, in order, without nested
        functions or classes (and without the `__main__` block for the module scope)."""
        return self._statements.of(scope.node)

    def _scan_scope(self, scope: Scope) -> None:
        for index, small in enumerate(self._own_statements(scope)):
            kind = type(small)
            if kind is cst.Assign or kind is cst.AnnAssign:
                targets = [t.target for t in small.targets] if kind is cst.Assign else [small.target]
                value = small.value
                if value is None:
                    continue
                for target in targets:
                    name = dotted_name(target)
                    if name is not None:
                        self.variables[name] = value
                        self._pipeline_binding(value, name, scope)
                    elif type(target) is cst.Subscript:  # data_transforms['val'] = Compose(...)
                        key = _subscript_key(target)
                        if key is not None:
                            self._pipeline_binding(value, key, scope)
                self._scaler_binding(targets, value)
            for call in iter_calls(small):
                self._call(call, scope, index, small)

    def _pipeline_binding(self, value: cst.BaseExpression, name: str, scope: Scope) -> None:
        if type(value) is cst.Call and self._is_compose(value):
            self._pipeline(value, name, scope)
        elif type(value) is cst.Dict:
            for element in value.elements:
                if type(element) is cst.DictElement and type(element.key) is cst.SimpleString \
                        and type(element.value) is cst.Call and self._is_compose(element.value):
                    self._pipeline(element.value, element.key.evaluated_value, scope)

    def _is_compose(self, call: cst.Call) -> bool:
        name = qualified_name(call.func, self.aliases) or ""
        return name.endswith(".Compose") and name.startswith(TRANSFORM_LIBRARIES)

    def _pipeline(self, call: cst.Call, name: str, scope: Scope) -> Pipeline:
        existing = self.pipeline_by_node.get(id(call))
        if existing is not None:
            if not existing.bound_to:
                existing.bound_to = name
            return existing
        steps: list[TransformStep] = []
        items = call.args[0].value if call.args else None
        if type(items) in (cst.List, cst.Tuple):
            for element in items.elements:
                steps.extend(self._step(element.value, None, 0))
        else:
            steps.append(TransformStep("", call))
        pipeline = Pipeline(call, name, steps, scope=scope.name)
        self.pipeline_by_node[id(call)] = pipeline
        self.out.pipelines.append(pipeline)
        return pipeline

    def _step(self, value: cst.BaseExpression, shared: Optional[str], depth: int) -> list[TransformStep]:
        if type(value) is cst.Call:
            self.in_pipeline.add(id(value))
            if self._is_compose(value):  # a nested pipeline
                items = value.args[0].value if value.args else None
                if type(items) in (cst.List, cst.Tuple) and depth < 3:
                    return [step for element in items.elements for step in self._step(element.value, shared, depth + 1)]
                return [TransformStep("", value)]
            name = qualified_name(value.func, self.aliases) or ""
            if not name.startswith(TRANSFORM_LIBRARIES):
                name = ""
            constants = None
            if name.endswith(".Normalize"):
                constants = " ".join(cst.Module([]).code_for_node(arg.value) for arg in value.args)
            return [TransformStep(name, value, constants, shared)]
        name = dotted_name(value)
        if name is not None and name in self.variables and depth < 3:
            return self._step(self.variables[name], name, depth + 1)
        return [TransformStep("", value)]

    def _scaler_binding(self, targets: Sequence[cst.BaseExpression], value: cst.BaseExpression) -> None:
        call = value
        # `StandardScaler().fit(X)` binds the fitted scaler.
        if type(call) is cst.Call and type(call.func) is cst.Attribute and call.func.attr.value == "fit" \
                and type(call.func.value) is cst.Call:
            call = call.func.value
        if type(call) is cst.Call and (self._builds_scaler(call) or self._joins_eval_data(call)):
            for target in targets:
                name = dotted_name(target)
                if name is None:
                    continue
                if self._builds_scaler(call):
                    self.out.scalers[name] = call
                else:
                    self.out.joined[name] = call

    def _builds_scaler(self, call: cst.Call) -> bool:
        """A scaler, or a Pipeline / make_pipeline with a scaler among its steps."""
        name = qualified_name(call.func, self.aliases) or ""
        if name in SCALERS:
            return True
        return name in SCALER_PIPELINES and any(
            (qualified_name(inner.func, self.aliases) or "") in SCALERS for arg in call.args
            for inner in iter_calls(arg.value))

    def _joins_eval_data(self, call: cst.Call) -> bool:
        """`pd.concat([X_train, X_test])`: a join whose parts include evaluation data."""
        if (qualified_name(call.func, self.aliases) or "") not in DATA_JOINS or not call.args:
            return False
        parts = call.args[0].value
        if type(parts) not in (cst.List, cst.Tuple):
            return False
        roots = [root_name(element.value) or "" for element in parts.elements]
        return any(EVAL_DATA_NAME.search(root) for root in roots) and any(TRAIN_DATA_NAME.search(root) for root in roots)

    def _call(self, call: cst.Call, scope: Scope, index: int, small: cst.CSTNode) -> None:
        func = call.func
        if type(func) is cst.Attribute and func.attr.value != "Normalize" \
                and not func.attr.value.endswith("train_test_split"):
            # The qualified name of `a.b.f` ends with `.f`: it can pass the two tests of the
            # name below only for these attributes (most calls: no name to resolve).
            name = ""
        else:
            name = qualified_name(func, self.aliases) or ""
        if name.endswith(".Normalize") and name.startswith(TRANSFORM_LIBRARIES) and id(call) not in self.in_pipeline:
            self.out.loose_normalizes.append(call)
        if name.endswith("train_test_split"):
            names = frozenset(filter(None, (root_name(arg.value, self.aliases)
                                            for arg in call.args if arg.keyword is None)))
            self.out.splits.append(Split(call, names, scope, index))
            return
        if type(func) is not cst.Attribute:
            return
        method = func.attr.value
        if method not in ("fit", "fit_transform", "partial_fit", "transform", "inverse_transform"):
            return
        receiver = func.value
        scaler = dotted_name(receiver)
        if type(receiver) is cst.Call and (qualified_name(receiver.func, self.aliases) or "") in SCALERS:
            scaler = "<inline>"
        elif scaler is None or not (scaler in self.out.scalers or _SCALER_NAME.search(scaler)):
            return
        data = call.args[0].value if call.args else None
        result = None
        if type(small) is cst.Assign and small.value is call and len(small.targets) == 1:
            result = dotted_name(small.targets[0].target)
        self.out.scaler_calls.append(ScalerCall(scaler, method, call, data, root_name(data), scope, index, result))

    # --------------------------------------------------------------- roles

    def _usages(self, scope: Scope) -> None:
        """Decide each pipeline's role: from its name, the dataset it is given to, or the
        function it is built in."""
        for small in self._own_statements(scope):
            target_name = None
            if type(small) is cst.Assign and len(small.targets) == 1:
                target_name = dotted_name(small.targets[0].target)
            for call in iter_calls(small):
                if scope.role == EVAL and type(call.func) is cst.Name:
                    applied = self._pipeline_of(call.func)
                    if applied is not None:
                        applied.applied_at_evaluation = True
                for arg in call.args:
                    if arg.keyword is None or not arg.keyword.value.endswith("transform"):
                        continue
                    pipeline = self._pipeline_of(arg.value)
                    if pipeline is None or _word_role(pipeline.bound_to):
                        continue
                    role = _dataset_role(call, target_name)
                    if role:
                        pipeline.role, pipeline.why = role, "dataset"
        for pipeline in self.out.pipelines:
            if pipeline.role != OTHER:
                continue
            role = _word_role(pipeline.bound_to)
            if role:
                pipeline.role, pipeline.why = role, "name"
                continue
            scopes = [s for s in self.paths.scopes if s.name == pipeline.scope]
            if scopes and scopes[0].name not in ("<module>",):
                built_in = scopes[0]
                if built_in.role == TRAIN:
                    pipeline.role, pipeline.why = TRAIN, "function"
                elif built_in.role == EVAL or (any(e.kind == MODEL_CALL for e in built_in.events)
                                               and not any(e.kind == STEP for e in built_in.events)):
                    pipeline.role, pipeline.why = EVAL, "function"

    def _pipeline_of(self, value: cst.BaseExpression) -> Optional[Pipeline]:
        if type(value) is cst.Call:
            return self.pipeline_by_node.get(id(value))
        if type(value) is cst.Subscript:
            key = _subscript_key(value)
            for pipeline in self.out.pipelines:
                if pipeline.bound_to == key:
                    return pipeline
            return None
        name = dotted_name(value)
        if name is not None and name in self.variables:
            bound = self.variables[name]
            if type(bound) is cst.Call:
                return self.pipeline_by_node.get(id(bound))
        return None

    # --------------------------------------------------------------- scalers at evaluation

    def _unscaled_inputs(self) -> None:
        fitted = [c for c in self.out.scaler_calls if c.method in ("fit", "fit_transform", "partial_fit")
                  and c.scope.role != EVAL]
        if not fitted:
            return
        for scope in self.paths.scopes:
            if scope.role == TRAIN or scope.name in ("<module>",) or scope.in_module_class:
                continue
            if not (scope.role == EVAL or scope.decorated_no_grad or scope.eval_blocks):
                continue
            model_calls = [e for e in scope.events if e.kind == MODEL_CALL]
            if not model_calls or any(e.kind == STEP for e in scope.events):
                continue
            if any(c.scope is scope for c in self.out.scaler_calls):
                continue
            if any(_SCALER_NAME.search(p) or re.search(r"scaled|norm|preprocess|transform", p, re.I)
                   for p in scope.params):
                continue
            if any(e.kind == "local" for e in scope.events):
                continue  # a helper may do the scaling
            construction = self._raw_tensor(scope)
            if construction is not None:
                self.out.unscaled_inputs.append(UnscaledInput(scope, construction, model_calls[0].node))

    def _raw_tensor(self, scope: Scope) -> Optional[cst.Call]:
        for small in self._own_statements(scope):
            for call in iter_calls(small):
                name = qualified_name(call.func, self.aliases) or ""
                if name not in _TENSOR_CONSTRUCTORS or not call.args:
                    continue
                data = call.args[0].value
                # np.array([raw]) / [raw] / raw
                while True:
                    if type(data) is cst.Call and data.args and (qualified_name(data.func, self.aliases) or "") in (
                            "numpy.array", "numpy.asarray"):
                        data = data.args[0].value
                    elif type(data) in (cst.List, cst.Tuple) and len(data.elements) == 1:
                        data = data.elements[0].value
                    else:
                        break
                root = root_name(data)
                if root is not None and root in scope.params and not re.search(
                        r"scaled|norm|tensor|ids|mask|label|target|index|token", root, re.I):
                    return call
        return None


def _subscript_key(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
        key = node.slice[0].slice.value
        if type(key) is cst.SimpleString:
            value = string_value(key)
            return value if isinstance(value, str) else None
    return None


def _word_role(name: str) -> str:
    if not name:
        return ""
    train = bool(TRAIN_DATA_WORD.search(name))
    evaluation = bool(EVAL_DATA_WORD.search(name))
    if train and not evaluation:
        return TRAIN
    if evaluation and not train:
        return EVAL
    return ""


def _dataset_role(call: cst.Call, target: Optional[str]) -> str:
    for arg in call.args:
        if arg.keyword is None:
            continue
        key = arg.keyword.value
        value = arg.value
        if key == "train" and type(value) is cst.Name and value.value in ("True", "False"):
            return TRAIN if value.value == "True" else EVAL
        if key in ("split", "image_set", "subset", "mode") and type(value) is cst.SimpleString:
            text = value.evaluated_value
            if isinstance(text, str):
                return _word_role(text)
    return _word_role(target or "")


def build_preprocessing_facts(facts: FileFacts, paths: PathFacts,
                              statements: Optional[OwnStatements] = None) -> PreprocessingFacts:
    return _Builder(facts, paths, statements or OwnStatements()).run()
