"""Layer sequences: which layers a model applies one after another, and what kind each is.

Read by the architecture rules (NNL401, NNL402). The builder is a small evaluator over
statements, written by hand rather than with libcst's visitor (see `nnlint.analysis`):

- `__init__` bodies (and the helper functions and methods they call) are evaluated with
  literal values where the code has them: `nn.Sequential(...)` with literal arguments,
  `*layers` built by `.append`/`+=`/`.extend` and list comprehensions, `OrderedDict`,
  `add_module`, and VGG-style `make_layers(cfg)` loops over a literal configuration are
  unrolled. A loop over something unknown is evaluated twice (the second copy's steps are
  marked `repeated`); a branch whose condition is unknown becomes one `conditional` step.
- `forward` is evaluated as data flow: each tensor carries the chain of steps applied to it
  since an input; `self.fc2(self.fc1(x))`, `x = self.fc1(x); x = self.fc2(x)`, Sequential
  attributes and local module classes are expanded. Adding or concatenating two tensors
  derived from the same input is a skip connection.

Every step records the *container* it was written in (one `nn.Sequential` call or one
`forward`), so that a rule can tell two layers written next to each other from two parts
composed by a parent model (an encoder's last layer and a decoder's first).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional, Sequence, Union

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.imports import qualified_name

# Step kinds.
WEIGHT = "weight"            # Linear, Conv*, ConvTranspose*, Bilinear, F.linear, F.conv*
ACTIVATION = "activation"    # ReLU, GELU, tanh ... anything non-linear on purpose
NORM = "normalization"       # BatchNorm, LayerNorm, GroupNorm, InstanceNorm, F.normalize
DROPOUT = "dropout"
RESHAPE = "reshape"          # view/flatten/permute/indexing/Identity/padding/upsampling
POOL = "pooling"             # `linear` True for average pooling and means
MERGE = "merge"              # two tensors combined; `skip` for x + f(x), cat([x, f(x)])
OTHER = "other"              # known torch modules that are neither (RNN, attention, Embedding)
UNKNOWN = "unknown"          # user modules, unknown calls, conditional layers

_NN = "torch.nn."
_F = "torch.nn.functional."


def _names(prefix: str, names: str) -> frozenset[str]:
    return frozenset(prefix + name for name in names.split())


_WEIGHT_MODULES = _names(_NN, "Linear LazyLinear Bilinear Conv1d Conv2d Conv3d ConvTranspose1d "
                              "ConvTranspose2d ConvTranspose3d LazyConv1d LazyConv2d LazyConv3d "
                              "LazyConvTranspose1d LazyConvTranspose2d LazyConvTranspose3d")
_ACTIVATION_MODULES = _names(_NN, "ReLU ReLU6 LeakyReLU PReLU RReLU ELU CELU SELU GELU SiLU Mish "
                                  "Sigmoid Tanh Hardtanh Hardswish Hardsigmoid Softplus Softsign "
                                  "Softshrink Hardshrink Tanhshrink Threshold LogSigmoid Softmax "
                                  "Softmax2d LogSoftmax Softmin GLU")
_NORM_MODULES = _names(_NN, "BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d "
                            "LazyBatchNorm3d SyncBatchNorm LayerNorm GroupNorm InstanceNorm1d "
                            "InstanceNorm2d InstanceNorm3d LazyInstanceNorm1d LazyInstanceNorm2d "
                            "LazyInstanceNorm3d LocalResponseNorm RMSNorm CrossMapLRN2d")
_AFFINE_NORM_MODULES = _names(_NN, "BatchNorm1d BatchNorm2d BatchNorm3d LazyBatchNorm1d LazyBatchNorm2d "
                                   "LazyBatchNorm3d SyncBatchNorm")
_DROPOUT_MODULES = _names(_NN, "Dropout Dropout1d Dropout2d Dropout3d AlphaDropout FeatureAlphaDropout")
_RESHAPE_MODULES = _names(_NN, "Flatten Unflatten Identity PixelShuffle PixelUnshuffle Upsample "
                               "UpsamplingNearest2d UpsamplingBilinear2d ZeroPad1d ZeroPad2d ZeroPad3d "
                               "ConstantPad1d ConstantPad2d ConstantPad3d ReflectionPad1d "
                               "ReflectionPad2d ReflectionPad3d ReplicationPad1d ReplicationPad2d "
                               "ReplicationPad3d ChannelShuffle")
_LINEAR_POOL_MODULES = _names(_NN, "AvgPool1d AvgPool2d AvgPool3d AdaptiveAvgPool1d AdaptiveAvgPool2d "
                                   "AdaptiveAvgPool3d")
_NONLINEAR_POOL_MODULES = _names(_NN, "MaxPool1d MaxPool2d MaxPool3d AdaptiveMaxPool1d AdaptiveMaxPool2d "
                                      "AdaptiveMaxPool3d LPPool1d LPPool2d FractionalMaxPool2d "
                                      "FractionalMaxPool3d")
_SEQUENTIAL = _NN + "Sequential"
_MODULE_LIST = frozenset({_NN + "ModuleList", _NN + "ModuleDict", _NN + "ParameterList",
                          _NN + "ParameterDict"})
_ORDERED_DICT = frozenset({"collections.OrderedDict", "typing.OrderedDict", "OrderedDict"})

_WEIGHT_FUNCTIONS = _names(_F, "linear bilinear conv1d conv2d conv3d conv_transpose1d conv_transpose2d "
                               "conv_transpose3d") | _names("torch.", "conv1d conv2d conv3d")
_ACTIVATION_NAMES = ("relu relu_ relu6 leaky_relu leaky_relu_ prelu rrelu elu elu_ celu selu gelu silu "
                     "mish sigmoid tanh hardtanh hardswish hardsigmoid softplus softsign softshrink "
                     "hardshrink tanhshrink threshold logsigmoid softmax log_softmax softmin glu "
                     "sigmoid_ tanh_ exp log abs sin cos square sqrt rsqrt erf clamp clip clamp_ "
                     "clamp_min clamp_max maximum minimum where sign gumbel_softmax")
_ACTIVATION_FUNCTIONS = (_names(_F, _ACTIVATION_NAMES) | _names("torch.", _ACTIVATION_NAMES)
                         | _names("torch.special.", "expit erf softmax log_softmax"))
_ACTIVATION_METHODS = frozenset(_ACTIVATION_NAMES.split()) | {"pow", "pow_", "exp_", "norm", "max", "min",
                                                              "amax", "amin", "topk", "sort", "argmax"}
_NORM_FUNCTIONS = _names(_F, "layer_norm batch_norm group_norm instance_norm normalize local_response_norm "
                             "rms_norm")
_DROPOUT_FUNCTIONS = _names(_F, "dropout dropout1d dropout2d dropout3d alpha_dropout feature_alpha_dropout")
_RESHAPE_FUNCTIONS = _names("torch.", "squeeze unsqueeze flatten reshape permute transpose narrow select "
                                      "movedim t chunk split") | _names(_F, "pad interpolate pixel_shuffle "
                                                                            "pixel_unshuffle upsample")
_LINEAR_POOL_FUNCTIONS = _names(_F, "avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d "
                                    "adaptive_avg_pool2d adaptive_avg_pool3d") | _names("torch.", "mean sum")
_NONLINEAR_POOL_FUNCTIONS = _names(_F, "max_pool1d max_pool2d max_pool3d adaptive_max_pool1d "
                                       "adaptive_max_pool2d adaptive_max_pool3d lp_pool2d") | _names(
    "torch.", "max amax logsumexp")
_SKIP_JOINS = _names("torch.", "cat concat concatenate stack add hstack vstack")
_PRODUCT_FUNCTIONS = _names("torch.", "matmul bmm mm einsum mul baddbmm addmm multiply") | _names(
    _F, "scaled_dot_product_attention grid_sample")

_RESHAPE_METHODS = frozenset({
    "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_",
    "flatten", "permute", "transpose", "transpose_", "expand", "expand_as", "narrow", "select", "movedim",
    "t", "unflatten", "repeat", "index_select", "gather", "chunk", "split", "unbind", "roll", "flip",
})
_PASS_METHODS = frozenset({"contiguous", "float", "double", "half", "bfloat16", "to", "cpu", "cuda",
                           "clone", "detach", "type", "type_as", "requires_grad_", "mul", "mul_", "div",
                           "div_", "add", "add_", "sub", "sub_", "neg"})
_SHAPE_ONLY_METHODS = frozenset({"view_as", "reshape_as", "expand_as", "type_as", "to", "new_zeros",
                                 "new_ones", "new_empty", "new_full", "new_tensor"})
_LINEAR_POOL_METHODS = frozenset({"mean", "sum", "nanmean", "nansum"})

_NORMISH_WORDS = ("norm", "bn")
_ACTISH_WORDS = ("relu", "gelu", "silu", "swish", "sigmoid", "tanh", "act", "mish", "softmax", "elu")
_RESIDUAL_WORDS = ("residual", "resblock", "res_block", "bottleneck", "basicblock", "basic_block",
                   "block", "transformer", "attention", "layer", "stage", "encoder", "decoder", "dense",
                   "inverted", "mbconv", "fused")

_CAREFUL_INITS = frozenset({"kaiming_normal", "kaiming_uniform", "orthogonal"})
_MAX_CALL_DEPTH = 4
# Expressions evaluated per file; past it the file yields no layer sequences at all (a
# partial one could miss the normalization that a later statement adds).
_EVAL_BUDGET = 200_000


class _OutOfBudget(Exception):
    pass
_MAX_UNROLL = 256


@dataclass(frozen=True, eq=False)
class LayerStep:
    """One operation applied to the tensor: a layer, an activation, a reshape...

    `linear` also marks batch normalization, an affine map at inference (LayerNorm,
    GroupNorm and the like divide by each sample's own statistics: not linear).
    `node` is where the layer is constructed (`nn.Linear(...)`) for layers of a Sequential,
    and where it is applied (`self.fc2(x)`) for layers called in `forward`. `name` is the
    torch class or function (`Linear`, `relu`) or the user class; `attr` the `self.<attr>`
    it was called through. `container` identifies the `nn.Sequential` call or `forward`
    the step was written in. `linear` marks average pooling (a linear map); `skip` marks a
    merge that is a skip connection; `resets` marks an unknown step that may well hold a
    normalization or residual path (a conditional layer, a `...Norm`/`...Block` class);
    `shared` marks a step whose output is also used elsewhere (returned, or fed to a
    second branch); `repeated` marks the second copy of a loop whose trip count is unknown.
    """

    kind: str
    node: cst.CSTNode
    name: str
    container: int
    attr: Optional[str] = None
    linear: bool = False
    skip: bool = False
    resets: bool = False
    shared: bool = False
    repeated: bool = False
    construction: Optional[cst.Call] = None  # the constructor call of a layer, when known


@dataclass(eq=False)
class LayerSequence:
    """Layers applied one after another: an `nn.Sequential`, or one path through a forward.

    `root` is False when the sequence is expanded inside a larger one (a Sequential held
    by a model whose forward applies it), so that a rule about the whole model reports
    once. `exact` is False when a loop with an unknown trip count contributed steps.
    """

    origin: str  # "Sequential" or "forward"
    owner: Optional[str]
    node: cst.CSTNode
    steps: tuple[LayerStep, ...]
    has_skip: bool = False
    root: bool = True
    exact: bool = True


@dataclass(eq=False)
class ArchitectureFacts:
    sequences: list[LayerSequence] = field(default_factory=list)
    # The file initialises weights with He (Kaiming) or orthogonal init, which lets plain
    # networks of twenty-odd layers train (He et al., 2015).
    he_initialized: bool = False


# ---------------------------------------------------------------- values of the evaluator


class _Unknown:
    pass


UNKNOWN_VALUE = _Unknown()


@dataclass(eq=False)
class _Lit:
    value: object


@dataclass(eq=False)
class _Layer:
    step: LayerStep
    local_class: Optional[str] = None


@dataclass(eq=False)
class _Seq:
    node: cst.CSTNode
    items: list  # of _Layer / _Seq values
    exact: bool = True
    inlined: bool = False


@dataclass(eq=False)
class _List:
    items: list
    exact: bool = True


@dataclass(eq=False)
class _Func:
    node: cst.FunctionDef
    bound_self: Optional["_Self"] = None


@dataclass(eq=False)
class _Self:
    cls: "_ClassInfo"


@dataclass(eq=False)
class _Chain:
    """A tensor in forward: the steps applied since an input, and the inputs it derives from."""

    steps: tuple[LayerStep, ...]
    roots: frozenset[int]
    uses: int = 0
    returned: bool = False


@dataclass(eq=False)
class _ClassInfo:
    name: str
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef]
    is_sequential: bool
    attrs: dict[str, object] = field(default_factory=dict)
    items: Optional[list] = None  # for nn.Sequential subclasses
    evaluated: bool = False
    forward_paths: Optional[list[tuple[LayerStep, ...]]] = None
    forward_skip: bool = False
    used: bool = False


Value = object


def _dotted(node: cst.BaseExpression) -> Optional[str]:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _contains_word(name: str, words: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


class _Builder:
    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.functions: dict[str, cst.FunctionDef] = {}
        self.constants: dict[str, Value] = {}
        self.classes: dict[str, _ClassInfo] = {}
        self.sequentials: list[_Seq] = []
        self.forward_sequences: list[LayerSequence] = []
        self.container_ids = itertools.count(1)
        self.depth = 0
        self.repeating = False
        self.unroll_budget = _MAX_UNROLL * 8
        self.inlined_nodes: set[int] = set()
        self.chains: list[_Chain] = []
        self.current_container = 0
        self.forward_skip = False
        self.he_initialized = False
        self.budget = _EVAL_BUDGET

    # ------------------------------------------------------------ file structure

    def run(self) -> ArchitectureFacts:
        body = self.facts.module.body
        for statement in body:
            if isinstance(statement, cst.FunctionDef):
                self.functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                self._register_class(statement)
        env: dict[str, Value] = {}
        self._exec_block(body, env, module_level=True)
        self.constants = env
        for info in self.classes.values():
            self._evaluate_class(info)
        for function in self.functions.values():
            self._call_function(function, [], {}, standalone=True)
        for info in self.classes.values():
            for name, method in info.methods.items():
                if name not in ("__init__", "forward"):
                    self._call_function(method, [], {}, standalone=True, bound_self=_Self(_ClassInfo(
                        info.name, info.node, info.methods, info.is_sequential)))
        for info in self.classes.values():
            if info.forward_paths is None:
                self._forward(info)
        return self._facts()

    def _register_class(self, node: cst.ClassDef) -> None:
        methods = {}
        for statement in node.body.body:
            if isinstance(statement, cst.FunctionDef):
                methods[statement.name.value] = statement
        bases = [qualified_name(arg.value, self.aliases) or _dotted(arg.value) or "" for arg in node.bases]
        is_sequential = any(base == _SEQUENTIAL or base in self.classes and self.classes[base].is_sequential
                            for base in bases)
        if is_sequential or "forward" in methods or "__init__" in methods:
            self.classes[node.name.value] = _ClassInfo(node.name.value, node, methods, is_sequential)

    def _evaluate_class(self, info: _ClassInfo) -> None:
        if info.evaluated:
            return
        info.evaluated = True
        init = info.methods.get("__init__")
        if info.is_sequential:
            info.items = []
        if init is not None:
            self._call_function(init, [], {}, standalone=True, bound_self=_Self(info))

    # ------------------------------------------------------------ statements

    def _exec_block(self, statements: Sequence[cst.CSTNode], env: dict, module_level: bool = False) -> Optional[Value]:
        """Runs statements; returns the value of a `return`, or None if none was reached."""
        for statement in statements:
            result = self._exec(statement, env, module_level)
            if result is not None:
                return result
        return None

    def _exec(self, statement: cst.CSTNode, env: dict, module_level: bool = False) -> Optional[Value]:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                result = self._exec_small(small, env)
                if result is not None:
                    return result
            return None
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            if isinstance(statement, cst.FunctionDef) and not module_level:
                env[statement.name.value] = _Func(statement)
            return None
        if isinstance(statement, cst.If):
            return self._exec_if(statement, env)
        if isinstance(statement, cst.For):
            return self._exec_for(statement, env)
        if isinstance(statement, cst.While):
            self._exec_unknown_loop(statement.body.body, env, statement)
            return None
        if isinstance(statement, cst.With):
            for item in statement.items:
                self._eval(item.item, env)
            return self._exec_block(statement.body.body, env)
        if isinstance(statement, cst.Try):
            result = self._exec_block(statement.body.body, env)
            if statement.orelse is not None and result is None:
                result = self._exec_block(statement.orelse.body.body, env)
            return result
        return None

    def _exec_small(self, small: cst.BaseSmallStatement, env: dict) -> Optional[Value]:
        if isinstance(small, cst.Return):
            return self._eval(small.value, env) if small.value is not None else UNKNOWN_VALUE
        if isinstance(small, cst.Assign):
            value = self._eval(small.value, env)
            for target in small.targets:
                self._bind(target.target, value, env)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind(small.target, self._eval(small.value, env), env)
        elif isinstance(small, cst.AugAssign):
            if isinstance(small.operator, cst.AddAssign):
                current = self._eval(small.target, env)
                added = self._eval(small.value, env)
                if isinstance(current, _List):
                    self._extend(current, added)
                    return None
                value = self._combine(current, added, small, add=True)
            else:
                value = self._combine(self._eval(small.target, env), self._eval(small.value, env), small,
                                      add=False)
            self._bind(small.target, value, env)
        elif isinstance(small, cst.Expr):
            self._eval(small.value, env)
        return None

    def _bind(self, target: cst.BaseExpression, value: Value, env: dict) -> None:
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
            owner = env.get(target.value.value)
            if isinstance(owner, _Self):
                owner.cls.attrs[target.attr.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            items = value.items if isinstance(value, _List) and value.exact else None
            if isinstance(value, _Lit) and isinstance(value.value, (list, tuple)):
                items = [_Lit(item) for item in value.value]
            for index, element in enumerate(target.elements):
                if items is not None and len(items) == len(target.elements):
                    self._bind(element.value, items[index], env)
                elif isinstance(value, _Chain):
                    self._bind(element.value, value, env)
                else:
                    self._bind(element.value, UNKNOWN_VALUE, env)

    def _snapshot(self, env: dict) -> tuple[dict, dict]:
        def copy(value):
            return _List(list(value.items), value.exact) if isinstance(value, _List) else value
        selves = {id(v.cls): v.cls for v in env.values() if isinstance(v, _Self)}
        attrs = {key: {name: copy(value) for name, value in cls.attrs.items()} for key, cls in selves.items()}
        return {name: copy(value) for name, value in env.items()}, attrs

    def _restore(self, env: dict, snapshot: tuple[dict, dict]) -> None:
        names, attrs = snapshot
        env.clear()
        env.update({name: (_List(list(v.items), v.exact) if isinstance(v, _List) else v)
                    for name, v in names.items()})
        for value in env.values():
            if isinstance(value, _Self) and id(value.cls) in attrs:
                value.cls.attrs = dict(attrs[id(value.cls)])

    def _exec_if(self, statement: cst.If, env: dict) -> Optional[Value]:
        truth = self._truth(statement.test, env)
        orelse = statement.orelse
        else_body: Sequence[cst.CSTNode] = ()
        if isinstance(orelse, cst.If):
            else_body = (orelse,)
        elif isinstance(orelse, cst.Else):
            else_body = orelse.body.body
        if truth is True:
            return self._exec_block(statement.body.body, env)
        if truth is False:
            return self._exec_block(else_body, env)
        entry = self._snapshot(env)
        result_a = self._exec_block(statement.body.body, env)
        after_a = self._snapshot(env)
        self._restore(env, entry)
        result_b = self._exec_block(else_body, env)
        self._merge_branches(env, after_a, statement)
        if result_a is not None and result_b is not None:
            return self._join(result_a, result_b, statement)
        return None

    def _merge_branches(self, env: dict, other: tuple[dict, dict], node: cst.CSTNode) -> None:
        names, attrs = other
        for name in set(names) | set(env):
            env[name] = self._join(names.get(name, UNKNOWN_VALUE), env.get(name, UNKNOWN_VALUE), node)
        for value in env.values():
            if isinstance(value, _Self) and id(value.cls) in attrs:
                theirs = attrs[id(value.cls)]
                mine = value.cls.attrs
                for name in set(theirs) | set(mine):
                    mine[name] = self._join(theirs.get(name, UNKNOWN_VALUE), mine.get(name, UNKNOWN_VALUE), node)

    def _join(self, a: Value, b: Value, node: cst.CSTNode) -> Value:
        if a is b:
            return a
        if isinstance(a, _List) and isinstance(b, _List):
            common = []
            for x, y in zip(a.items, b.items):
                if x is not y:
                    break
                common.append(x)
            if len(common) == len(a.items) == len(b.items):
                return _List(common, a.exact and b.exact)
            return _List(common + [self._conditional(node)], False)
        if isinstance(a, _Lit) and isinstance(b, _Lit) and a.value == b.value:
            return a
        if isinstance(a, _Chain) and isinstance(b, _Chain):
            longer = a if len(a.steps) >= len(b.steps) else b
            a.uses += 1
            b.uses += 1
            step = LayerStep(UNKNOWN, node, "conditional", 0, resets=True)
            return self._new_chain(_Chain(longer.steps + (step,), a.roots | b.roots))
        if isinstance(a, (_Layer, _Seq)) or isinstance(b, (_Layer, _Seq)):
            return self._conditional(node)
        return UNKNOWN_VALUE

    def _conditional(self, node: cst.CSTNode) -> _Layer:
        return _Layer(LayerStep(UNKNOWN, node, "conditional layers", 0, resets=True, repeated=self.repeating))

    def _exec_for(self, statement: cst.For, env: dict) -> Optional[Value]:
        iterable = self._eval(statement.iter, env)
        items = self._iteration_items(iterable)
        if items is not None and len(items) <= _MAX_UNROLL and self.unroll_budget >= len(items):
            self.unroll_budget -= len(items)
            for item in items:
                self._bind(statement.target, item, env)
                result = self._exec_block(statement.body.body, env)
                if result is not None:
                    return result
            return None
        self._bind(statement.target, UNKNOWN_VALUE, env)
        self._exec_unknown_loop(statement.body.body, env, statement)
        return None

    def _exec_unknown_loop(self, body: Sequence[cst.CSTNode], env: dict, node: cst.CSTNode) -> None:
        before = dict(env)
        repeating = self.repeating
        self._exec_block(body, env)
        if not repeating:  # a loop nested in a second pass runs once: no 2**depth blow-up
            self.repeating = True
            self._exec_block(body, env)
            self.repeating = repeating
        for name, value in env.items():
            if isinstance(value, _List):
                value.exact = False
            elif isinstance(value, _Chain) and before.get(name) is not value:
                # A tensor rebound in a loop: what it went through is not one fixed chain.
                value.uses += 1
                step = LayerStep(UNKNOWN, node, "loop", 0, resets=True)
                env[name] = _Chain(value.steps + (step,), value.roots)

    def _iteration_items(self, value: Value) -> Optional[list]:
        if isinstance(value, _Lit):
            if isinstance(value.value, (list, tuple, str)):
                return [_Lit(item) for item in value.value]
            if isinstance(value.value, range):
                return [_Lit(item) for item in value.value]
            if isinstance(value.value, dict):
                return [_Lit(item) for item in value.value]
        if isinstance(value, _List) and value.exact:
            return list(value.items)
        return None

    # ------------------------------------------------------------ expressions

    def _truth(self, test: cst.BaseExpression, env: dict) -> Optional[bool]:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self._truth(test.expression, env)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            left = self._truth(test.left, env)
            right = self._truth(test.right, env)
            if isinstance(test.operator, cst.And):
                if left is False or right is False:
                    return False
                return True if left and right else None
            if left is True or right is True:
                return True
            return False if left is False and right is False else None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            left = self._eval(test.left, env)
            comparison = test.comparisons[0]
            right = self._eval(comparison.comparator, env)
            if not (isinstance(left, _Lit) and isinstance(right, _Lit)):
                return None
            a, b = left.value, right.value
            op = comparison.operator
            try:
                if isinstance(op, cst.Equal):
                    return a == b
                if isinstance(op, cst.NotEqual):
                    return a != b
                if isinstance(op, cst.Is):
                    return a is b
                if isinstance(op, cst.IsNot):
                    return a is not b
                if isinstance(op, cst.In):
                    return a in b  # type: ignore[operator]
                if isinstance(op, cst.NotIn):
                    return a not in b  # type: ignore[operator]
                if isinstance(op, cst.LessThan):
                    return a < b  # type: ignore[operator]
                if isinstance(op, cst.GreaterThan):
                    return a > b  # type: ignore[operator]
                if isinstance(op, cst.LessThanEqual):
                    return a <= b  # type: ignore[operator]
                if isinstance(op, cst.GreaterThanEqual):
                    return a >= b  # type: ignore[operator]
            except TypeError:
                return None
            return None
        value = self._eval(test, env)
        if isinstance(value, _Lit):
            try:
                return bool(value.value)
            except Exception:  # noqa: BLE001
                return None
        return None

    def _eval(self, node: cst.BaseExpression, env: dict) -> Value:
        self.budget -= 1
        if self.budget < 0:
            raise _OutOfBudget
        if isinstance(node, cst.Integer):
            try:
                return _Lit(int(node.value.replace("_", ""), 0))
            except ValueError:
                return UNKNOWN_VALUE
        if isinstance(node, cst.Float):
            try:
                return _Lit(float(node.value.replace("_", "")))
            except ValueError:
                return UNKNOWN_VALUE
        if isinstance(node, cst.SimpleString):
            try:
                return _Lit(node.evaluated_value)
            except Exception:  # noqa: BLE001
                return UNKNOWN_VALUE
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return _Lit({"True": True, "False": False, "None": None}[node.value])
            if node.value in env:
                return env[node.value]
            if node.value in self.constants:
                return self.constants[node.value]
            if node.value in self.functions:
                return _Func(self.functions[node.value])
            return UNKNOWN_VALUE
        if isinstance(node, (cst.List, cst.Tuple)):
            values = []
            exact = True
            for element in node.elements:
                value = self._eval(element.value, env)
                if isinstance(element, cst.StarredElement):
                    if isinstance(value, _List):
                        values.extend(value.items)
                        exact = exact and value.exact
                    elif isinstance(value, _Lit) and isinstance(value.value, (list, tuple)):
                        values.extend(_Lit(v) for v in value.value)
                    else:
                        values.append(UNKNOWN_VALUE)
                        exact = False
                else:
                    values.append(value)
            if exact and values and all(isinstance(v, _Lit) for v in values):
                literal = [v.value for v in values]  # type: ignore[attr-defined]
                return _Lit(literal if isinstance(node, cst.List) else tuple(literal))
            return _List(values, exact)
        if isinstance(node, cst.Dict):
            result = {}
            for element in node.elements:
                if not isinstance(element, cst.DictElement):
                    return UNKNOWN_VALUE
                key, value = self._eval(element.key, env), self._eval(element.value, env)
                if not (isinstance(key, _Lit) and isinstance(value, _Lit)):
                    return UNKNOWN_VALUE
                try:
                    result[key.value] = value.value
                except TypeError:
                    return UNKNOWN_VALUE
            return _Lit(result)
        if isinstance(node, cst.Subscript):
            return self._eval_subscript(node, env)
        if isinstance(node, cst.Attribute):
            base = self._eval(node.value, env)
            if isinstance(base, _Self):
                attr = node.attr.value
                if attr in base.cls.attrs:
                    return base.cls.attrs[attr]
                if attr in base.cls.methods:
                    return _Func(base.cls.methods[attr], base)
                return UNKNOWN_VALUE
            return UNKNOWN_VALUE
        if isinstance(node, cst.Call):
            return self._eval_call(node, env)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            return self._eval_comprehension(node, env)
        if isinstance(node, cst.BinaryOperation):
            left, right = self._eval(node.left, env), self._eval(node.right, env)
            if isinstance(node.operator, cst.Add) and isinstance(left, _List) and isinstance(right, _List):
                return _List(left.items + right.items, left.exact and right.exact)
            if isinstance(left, _Lit) and isinstance(right, _Lit):
                try:
                    if isinstance(node.operator, cst.Add):
                        return _Lit(left.value + right.value)  # type: ignore[operator]
                    if isinstance(node.operator, cst.Multiply):
                        return _Lit(left.value * right.value)  # type: ignore[operator]
                    if isinstance(node.operator, cst.Subtract):
                        return _Lit(left.value - right.value)  # type: ignore[operator]
                except TypeError:
                    return UNKNOWN_VALUE
                return UNKNOWN_VALUE
            if isinstance(node.operator, cst.Multiply) and isinstance(left, _List) and isinstance(right, _Lit) \
                    and isinstance(right.value, int) and 0 <= right.value <= 64:
                return _List(left.items * right.value, left.exact)
            if isinstance(node.operator, (cst.Add, cst.Subtract)):
                return self._combine(left, right, node, add=True)
            if isinstance(node.operator, cst.MatrixMultiply):
                return self._combine(left, right, node, add=False)
            return self._combine(left, right, node, add=False)
        if isinstance(node, cst.UnaryOperation):
            value = self._eval(node.expression, env)
            if isinstance(value, _Lit) and isinstance(node.operator, cst.Minus) and isinstance(value.value, (int, float)):
                return _Lit(-value.value)
            return value if isinstance(value, _Chain) else UNKNOWN_VALUE
        if isinstance(node, cst.IfExp):
            truth = self._truth(node.test, env)
            if truth is True:
                return self._eval(node.body, env)
            if truth is False:
                return self._eval(node.orelse, env)
            return self._join(self._eval(node.body, env), self._eval(node.orelse, env), node)
        if isinstance(node, cst.BooleanOperation):
            self._eval(node.left, env)
            self._eval(node.right, env)
            return UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def _eval_subscript(self, node: cst.Subscript, env: dict) -> Value:
        base = self._eval(node.value, env)
        if isinstance(base, _Chain):
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    index = self._eval(element.slice.value, env)
                    if isinstance(index, _Chain):
                        return self._merge(base, [index], node, skip=False)
            return self._step(base, LayerStep(RESHAPE, node, "indexing", 0))
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            index = self._eval(node.slice[0].slice.value, env)
            if isinstance(base, _Lit) and isinstance(index, _Lit):
                try:
                    return _Lit(base.value[index.value])  # type: ignore[index]
                except Exception:  # noqa: BLE001
                    return UNKNOWN_VALUE
        return UNKNOWN_VALUE

    def _eval_comprehension(self, node: Union[cst.ListComp, cst.GeneratorExp], env: dict) -> Value:
        results: list = []
        exact = self._comprehension_clause(node.for_in, node.elt, dict(env), results)
        if exact and results and all(isinstance(v, _Lit) for v in results):
            return _Lit([v.value for v in results])  # type: ignore[attr-defined]
        return _List(results, exact)

    def _comprehension_clause(self, clause: cst.CompFor, elt: cst.BaseExpression, local: dict,
                              results: list) -> bool:
        """Appends the elements of one `for` clause (and the clauses nested in it) to `results`;
        False when the count is not known (an unknown iterable or an `if`)."""
        items = self._iteration_items(self._eval(clause.iter, local))
        exact = not clause.ifs

        def one(item: Value) -> bool:
            self._bind(clause.target, item, local)
            if clause.inner_for_in is not None:
                return self._comprehension_clause(clause.inner_for_in, elt, local, results)
            results.append(self._eval(elt, local))
            return True

        if items is not None and len(items) <= _MAX_UNROLL and self.unroll_budget >= len(items):
            self.unroll_budget -= len(items)
            for item in items:
                exact = one(item) and exact
            return exact
        one(UNKNOWN_VALUE)
        repeating, self.repeating = self.repeating, True
        one(UNKNOWN_VALUE)
        self.repeating = repeating
        return False

    def _args(self, node: cst.Call, env: dict) -> tuple[list[Value], dict[str, Value], bool]:
        positional: list[Value] = []
        keywords: dict[str, Value] = {}
        exact = True
        for arg in node.args:
            value = self._eval(arg.value, env)
            if arg.keyword is not None:
                keywords[arg.keyword.value] = value
            elif arg.star == "*":
                if isinstance(value, _List):
                    positional.extend(value.items)
                    exact = exact and value.exact
                elif isinstance(value, _Lit) and isinstance(value.value, (list, tuple)):
                    positional.extend(_Lit(v) for v in value.value)
                else:
                    positional.append(UNKNOWN_VALUE)
                    exact = False
            elif arg.star == "**":
                exact = False
            else:
                positional.append(value)
        return positional, keywords, exact

    def _eval_call(self, node: cst.Call, env: dict) -> Value:
        func = node.func
        callee: Value = UNKNOWN_VALUE
        name: Optional[str] = None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) \
                    and func.value.func.value == "super":
                args, _, _ = self._args(node, env)
                owner = env.get("self")
                if method == "__init__" and isinstance(owner, _Self) and owner.cls.items is not None:
                    owner.cls.items.extend(args)
                return UNKNOWN_VALUE
            receiver = self._eval(func.value, env)
            if isinstance(receiver, _List):
                args, _, _ = self._args(node, env)
                if method == "append" and len(args) == 1:
                    receiver.items.append(args[0])
                elif method == "extend" and len(args) == 1:
                    self._extend(receiver, args[0])
                else:
                    receiver.exact = False
                return UNKNOWN_VALUE
            if isinstance(receiver, _Self):
                if method in ("add_module", "register_module"):
                    args, _, _ = self._args(node, env)
                    if len(args) == 2:
                        if isinstance(args[0], _Lit) and isinstance(args[0].value, str):
                            receiver.cls.attrs[args[0].value] = args[1]
                        if receiver.cls.items is not None:
                            receiver.cls.items.append(args[1])
                    return UNKNOWN_VALUE
                if method in receiver.cls.attrs:
                    callee = receiver.cls.attrs[method]
                elif method in receiver.cls.methods:
                    callee = _Func(receiver.cls.methods[method], receiver)
            elif isinstance(receiver, _Seq) and method in ("add_module", "append"):
                args, _, _ = self._args(node, env)
                if args:
                    receiver.items.append(args[-1])
                return UNKNOWN_VALUE
            elif isinstance(receiver, _Chain):
                return self._tensor_method(receiver, method, node, env)
            else:
                name = qualified_name(func, self.aliases)
        elif isinstance(func, cst.Name):
            ident = func.value
            if ident in env:
                callee = env[ident]
            elif ident in self.aliases:
                name = self.aliases[ident]
            elif ident in self.classes:
                return self._local_instance(self.classes[ident], node, env)
            elif ident in self.functions:
                callee = _Func(self.functions[ident])
            else:
                name = ident
        else:
            callee = self._eval(func, env)
        if name is not None:
            return self._library_call(name, node, env)
        if isinstance(callee, _Func):
            args, keywords, _ = self._args(node, env)
            result = self._call_function(callee.node, args, keywords, bound_self=callee.bound_self)
            chains = [a for a in args if isinstance(a, _Chain)]
            if chains and not isinstance(result, _Chain):
                return self._step(chains[0], LayerStep(UNKNOWN, node, callee.node.name.value, 0))
            return result
        args, keywords, _ = self._args(node, env)
        chains = [a for a in args if isinstance(a, _Chain)] + [v for v in keywords.values() if isinstance(v, _Chain)]
        if isinstance(callee, (_Layer, _Seq)) and chains:
            return self._apply_module(callee, chains, node)
        if chains:
            for other in chains[1:]:
                other.uses += 1
            return self._step(chains[0], LayerStep(UNKNOWN, node, _dotted(func) or "call", 0))
        return UNKNOWN_VALUE

    def _extend(self, target: _List, added: Value) -> None:
        if isinstance(added, _List):
            target.items.extend(added.items)
            target.exact = target.exact and added.exact
        elif isinstance(added, (_Layer, _Seq)):
            target.items.append(added)
        else:
            target.items.append(UNKNOWN_VALUE)
            target.exact = False

    def _local_instance(self, info: _ClassInfo, node: cst.Call, env: dict) -> Value:
        args, _, _ = self._args(node, env)
        chains = [a for a in args if isinstance(a, _Chain)]
        step = LayerStep(UNKNOWN, node, info.name, 0, repeated=self.repeating, construction=node,
                         resets=_contains_word(info.name, _RESIDUAL_WORDS + _NORMISH_WORDS))
        layer = _Layer(step, local_class=info.name)
        if chains:  # `Block(dim)(x)` is rare; treat a chain argument as an application
            return self._apply_module(layer, chains, node)
        return layer

    def _library_call(self, name: str, node: cst.Call, env: dict) -> Value:
        args, keywords, exact = self._args(node, env)
        short = name.rsplit(".", 1)[-1]
        if name.startswith("torch.nn.init.") and short.rstrip("_") in _CAREFUL_INITS:
            self.he_initialized = True
        chains = [a for a in args if isinstance(a, _Chain)] + [
            v for v in keywords.values() if isinstance(v, _Chain)]
        if name == _SEQUENTIAL:
            items: list = []
            if len(args) == 1 and isinstance(args[0], _Lit) is False and _is_ordered_dict(args[0]):
                items = list(args[0].items)  # type: ignore[attr-defined]
            else:
                items = list(args)
            seq = _Seq(node, items, exact)
            self.sequentials.append(seq)
            return seq
        if name in _ORDERED_DICT or short == "OrderedDict":
            pairs: list = []
            ok = True
            source = args[0] if args else None
            if isinstance(source, _List):
                for item in source.items:
                    if isinstance(item, _List) and len(item.items) == 2:
                        pairs.append(item.items[1])
                    else:
                        ok = False
            elif source is None:
                pairs = []
            else:
                ok = False
            result = _List(pairs, ok and (source is None or source.exact))  # type: ignore[union-attr]
            result.ordered_dict = True  # type: ignore[attr-defined]
            return result
        if name in ("range", "builtins.range"):
            numbers = [a.value for a in args if isinstance(a, _Lit)]
            if len(numbers) == len(args) and all(isinstance(n, int) for n in numbers) and 1 <= len(numbers) <= 3:
                return _Lit(range(*numbers))  # type: ignore[misc]
            return UNKNOWN_VALUE
        if name in ("len", "builtins.len") and len(args) == 1:
            if isinstance(args[0], _Lit) and isinstance(args[0].value, (list, tuple, str, dict)):
                return _Lit(len(args[0].value))
            if isinstance(args[0], _List) and args[0].exact:
                return _Lit(len(args[0].items))
            return UNKNOWN_VALUE
        if name in ("list", "tuple") and len(args) == 1 and isinstance(args[0], (_List, _Lit)):
            return args[0] if isinstance(args[0], _List) else _Lit(list(args[0].value)) \
                if isinstance(args[0].value, (list, tuple, range)) else UNKNOWN_VALUE
        if name in ("int", "float") and len(args) == 1 and isinstance(args[0], _Lit):
            try:
                return _Lit(int(args[0].value) if name == "int" else float(args[0].value))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return UNKNOWN_VALUE
        if chains:
            return self._tensor_function(name, chains, node)
        if not name.startswith("torch."):
            if short[:1].isupper():
                return self._foreign_layer(short, node)
            return UNKNOWN_VALUE
        if name in _MODULE_LIST:
            return UNKNOWN_VALUE
        if name == "torch.nn.utils.weight_norm" or name == "torch.nn.utils.spectral_norm" \
                or name.startswith("torch.nn.utils.parametrizations."):
            return args[0] if args and isinstance(args[0], _Layer) else UNKNOWN_VALUE
        return self._torch_layer(name, node)

    def _torch_layer(self, name: str, node: cst.Call) -> Value:
        short = name.rsplit(".", 1)[-1]
        kind, linear = None, False
        if name in _WEIGHT_MODULES:
            kind = WEIGHT
        elif name in _ACTIVATION_MODULES:
            kind = ACTIVATION
        elif name in _NORM_MODULES:
            kind, linear = NORM, name in _AFFINE_NORM_MODULES
        elif name in _DROPOUT_MODULES:
            kind = DROPOUT
        elif name in _RESHAPE_MODULES:
            kind = RESHAPE
        elif name in _LINEAR_POOL_MODULES:
            kind, linear = POOL, True
        elif name in _NONLINEAR_POOL_MODULES:
            kind = POOL
        elif name.startswith(_NN) and short[:1].isupper() and "." not in name[len(_NN):]:
            kind = OTHER
        if kind is None:
            return UNKNOWN_VALUE
        return _Layer(LayerStep(kind, node, short, 0, linear=linear, repeated=self.repeating, construction=node))

    def _foreign_layer(self, short: str, node: cst.Call) -> Value:
        """A capitalised call from another package: probably a module; guess what it holds."""
        if _contains_word(short, _NORMISH_WORDS) and not _contains_word(short, ("act",)):
            return _Layer(LayerStep(NORM, node, short, 0, linear="batchnorm" in short.lower(), resets=True,
                                    repeated=self.repeating, construction=node))
        elif _contains_word(short, _ACTISH_WORDS) and not _contains_word(short, ("conv", "linear")):
            kind, resets = ACTIVATION, False
        else:
            kind, resets = UNKNOWN, _contains_word(short, _RESIDUAL_WORDS + _NORMISH_WORDS)
        return _Layer(LayerStep(kind, node, short, 0, resets=resets, repeated=self.repeating, construction=node))

    # ------------------------------------------------------------ functions

    def _call_function(self, function: cst.FunctionDef, args: list, keywords: dict, standalone: bool = False,
                       bound_self: Optional[_Self] = None) -> Value:
        if self.depth >= _MAX_CALL_DEPTH:
            return UNKNOWN_VALUE
        env: dict[str, Value] = {}
        params = function.params
        positional = list(params.posonly_params) + list(params.params)
        remaining = list(args)
        for index, param in enumerate(positional):
            name = param.name.value
            if index == 0 and bound_self is not None and name == "self":
                env[name] = bound_self
                continue
            if remaining:
                env[name] = remaining.pop(0)
            elif name in keywords:
                env[name] = keywords[name]
            elif param.default is not None and not standalone:
                env[name] = self._eval(param.default, {})
            else:
                env[name] = UNKNOWN_VALUE
        for param in params.kwonly_params:
            name = param.name.value
            if name in keywords:
                env[name] = keywords[name]
            elif param.default is not None and not standalone:
                env[name] = self._eval(param.default, {})
            else:
                env[name] = UNKNOWN_VALUE
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = UNKNOWN_VALUE
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = UNKNOWN_VALUE
        self.depth += 1
        try:
            result = self._exec_block(function.body.body, env) if isinstance(function.body, cst.IndentedBlock) \
                else None
        finally:
            self.depth -= 1
        return UNKNOWN_VALUE if result is None else result

    # ------------------------------------------------------------ forward data flow

    def _forward(self, info: _ClassInfo) -> None:
        forward = info.methods.get("forward")
        if forward is None or not isinstance(forward.body, cst.IndentedBlock):
            return
        container = next(self.container_ids)
        self.current_container = container
        self.chains: list[_Chain] = []
        env: dict[str, Value] = {}
        root_ids = itertools.count(1)
        params = list(forward.params.params)
        for index, param in enumerate(params):
            if index == 0 and param.name.value == "self":
                env["self"] = _Self(info)
            else:
                env[param.name.value] = _Chain((), frozenset({next(root_ids)}))
        for param in forward.params.kwonly_params:
            env[param.name.value] = _Chain((), frozenset({next(root_ids)}))
        self.forward_skip = False
        depth, self.depth = self.depth, _MAX_CALL_DEPTH  # no helper inlining inside forward
        try:
            self._exec_forward_block(forward.body.body, env)
        finally:
            self.depth = depth
        paths = []
        for chain in self.chains:
            if (chain.uses == 0 or chain.returned) and chain.steps:
                paths.append(chain)
        shared_steps = {id(c.steps[-1]) for c in self.chains if c.steps and (c.uses > 1 or (c.returned and c.uses))}
        result = []
        for chain in paths:
            steps = tuple(replace(s, shared=True) if id(s) in shared_steps else s for s in chain.steps)
            result.append(steps)
        # Drop paths that are a prefix of another one.
        result.sort(key=len, reverse=True)
        kept: list[tuple[LayerStep, ...]] = []
        for steps in result:
            if not any(other[:len(steps)] == steps for other in kept):
                kept.append(steps)
        info.forward_paths = kept
        info.forward_skip = self.forward_skip

    def _exec_forward_block(self, statements: Sequence[cst.CSTNode], env: dict) -> None:
        for statement in statements:
            result = self._exec(statement, env)
            if isinstance(result, _Chain):
                result.returned = True
                return
            if isinstance(result, _List):
                for item in result.items:
                    if isinstance(item, _Chain):
                        item.returned = True
                return

    def _new_chain(self, chain: _Chain) -> _Chain:
        self.chains.append(chain)
        return chain

    def _step(self, chain: _Chain, step: LayerStep) -> _Chain:
        chain.uses += 1
        if step.container == 0 and step.kind != UNKNOWN:
            step = replace(step, container=self.current_container)
        return self._new_chain(_Chain(chain.steps + (step,), chain.roots))

    def _merge(self, first: _Chain, others: list, node: cst.CSTNode, skip: bool) -> _Chain:
        chains = [first] + [o for o in others if isinstance(o, _Chain) and o is not first]
        for chain in chains:
            chain.uses += 1
        is_skip = False
        if skip and len(chains) > 1:
            for a, b in itertools.combinations(chains, 2):
                if a.roots & b.roots and _is_shortcut(a.steps, b.steps):
                    is_skip = True
        if is_skip:
            self.forward_skip = True
        longest = max(chains, key=lambda c: len(c.steps))
        roots = frozenset().union(*(c.roots for c in chains))
        step = LayerStep(MERGE, node, "skip connection" if is_skip else "merge", self.current_container,
                         skip=is_skip)
        return self._new_chain(_Chain(longest.steps + (step,), roots))

    def _combine(self, left: Value, right: Value, node: cst.CSTNode, add: bool) -> Value:
        if isinstance(left, _Chain) and isinstance(right, _Chain):
            return self._merge(left, [right], node, skip=add)
        if isinstance(left, _Chain):
            return left
        if isinstance(right, _Chain):
            return right
        return UNKNOWN_VALUE

    def _apply_module(self, module: Union[_Layer, _Seq], chains: list[_Chain], node: cst.Call) -> Value:
        chain = chains[0]
        for other in chains[1:]:
            other.uses += 1
        attr = _dotted(node.func)
        attr = attr.split(".", 1)[1] if attr and attr.startswith("self.") else attr
        if isinstance(module, _Seq):
            module.inlined = True
            self.inlined_nodes.add(id(module.node))
            for step in self._fresh_containers(self._seq_steps(module, set())):
                chain = self._step(chain, step)
            return chain
        step = module.step
        if module.local_class is not None:
            steps = self._class_steps(module.local_class, node, set())
            if steps is not None:
                for inner in self._fresh_containers(steps):
                    chain = self._step(chain, inner)
                return chain
        return self._step(chain, replace(step, node=node, attr=attr, container=self.current_container,
                                          construction=step.construction))

    def _fresh_containers(self, steps: list[LayerStep]) -> list[LayerStep]:
        """The steps of one application of a module: applying it twice (`f(f(x))`) gives two
        parts, not one stack written in one place."""
        fresh: dict[int, int] = {}
        result = []
        for step in steps:
            if step.container not in fresh:
                fresh[step.container] = next(self.container_ids)
            result.append(replace(step, container=fresh[step.container]))
        return result

    def _seq_steps(self, seq: _Seq, seen: set) -> list[LayerStep]:
        """The steps of a Sequential, nested Sequentials and known local classes expanded."""
        if id(seq) in seen:
            return [LayerStep(UNKNOWN, seq.node, "recursive", 0)]
        seen = seen | {id(seq)}
        container = getattr(seq, "container", None)
        if container is None:
            container = next(self.container_ids)
            seq.container = container  # type: ignore[attr-defined]
        steps: list[LayerStep] = []
        for item in seq.items:
            if isinstance(item, _Seq):
                item.inlined = True
                self.inlined_nodes.add(id(item.node))
                steps.extend(self._seq_steps(item, seen))
            elif isinstance(item, _Layer):
                if item.local_class is not None:
                    inner = self._class_steps(item.local_class, item.step.node, seen)
                    if inner is not None:
                        steps.extend(self._fresh_containers(inner))
                        continue
                steps.append(replace(item.step, container=container))
            elif isinstance(item, _List):
                steps.extend(self._seq_steps(_Seq(seq.node, item.items, item.exact), seen))
            else:
                node = seq.node
                steps.append(LayerStep(UNKNOWN, node, "unknown", container))
        return steps

    def _class_steps(self, name: str, node: cst.CSTNode, seen: set) -> Optional[list[LayerStep]]:
        info = self.classes.get(name)
        if info is None or id(info) in seen:
            return None
        seen = seen | {id(info)}
        self._evaluate_class(info)
        info.used = True
        if info.is_sequential and info.items is not None:
            return self._seq_steps(_Seq(info.node, info.items), seen)
        if info.forward_paths is None:
            saved = (self.current_container, self.chains, self.forward_skip)
            info.forward_paths = []  # recursion guard
            self._forward(info)
            self.current_container, self.chains, self.forward_skip = saved
        if not info.forward_paths:
            return None
        steps = list(max(info.forward_paths, key=len))
        if info.forward_skip and not any(step.skip for step in steps):
            steps.append(LayerStep(MERGE, node, "skip connection", 0, skip=True))
        return steps

    def _tensor_function(self, name: str, chains: list[_Chain], node: cst.Call) -> Value:
        first = chains[0]
        short = name.rsplit(".", 1)[-1]
        if name in _SKIP_JOINS:
            return self._merge(first, chains[1:], node, skip=True)
        if name in _PRODUCT_FUNCTIONS or len(chains) > 1:
            return self._merge(first, chains[1:], node, skip=False)
        if name in _WEIGHT_FUNCTIONS:
            kind, linear = WEIGHT, False
        elif name in _ACTIVATION_FUNCTIONS:
            kind, linear = ACTIVATION, False
        elif name in _NORM_FUNCTIONS:
            kind, linear = NORM, name == _F + "batch_norm"
        elif name in _DROPOUT_FUNCTIONS:
            kind, linear = DROPOUT, False
        elif name in _RESHAPE_FUNCTIONS:
            kind, linear = RESHAPE, False
        elif name in _LINEAR_POOL_FUNCTIONS:
            kind, linear = POOL, True
        elif name in _NONLINEAR_POOL_FUNCTIONS:
            kind, linear = POOL, False
        else:
            kind, linear = UNKNOWN, False
        return self._step(first, LayerStep(kind, node, short, self.current_container, linear=linear))

    def _tensor_method(self, chain: _Chain, method: str, node: cst.Call, env: dict) -> Value:
        args, keywords, _ = self._args(node, env)
        others = [a for a in args if isinstance(a, _Chain)] + [v for v in keywords.values() if isinstance(v, _Chain)]
        if method in _SHAPE_ONLY_METHODS:
            others = []  # the argument only lends its shape, dtype or device
        if method in _PASS_METHODS and not others:
            return chain
        if others:
            return self._merge(chain, others, node, skip=method in ("add", "add_"))
        if method in _RESHAPE_METHODS:
            return self._step(chain, LayerStep(RESHAPE, node, method, self.current_container))
        if method in _LINEAR_POOL_METHODS:
            return self._step(chain, LayerStep(POOL, node, method, self.current_container, linear=True))
        if method in _ACTIVATION_METHODS:
            return self._step(chain, LayerStep(ACTIVATION, node, method, self.current_container))
        return self._step(chain, LayerStep(UNKNOWN, node, method, self.current_container))

    # ------------------------------------------------------------ output

    def _facts(self) -> ArchitectureFacts:
        sequences: list[LayerSequence] = []
        used_classes = {name for name, info in self.classes.items() if info.used}
        for info in self.classes.values():
            if info.forward_paths:
                root = info.name not in used_classes
                for steps in info.forward_paths:
                    sequences.append(LayerSequence("forward", info.name, info.node.name, steps,
                                                   has_skip=info.forward_skip, root=root,
                                                   exact=True))
            elif info.is_sequential and info.items:
                steps = tuple(self._seq_steps(_Seq(info.node, info.items), set()))
                sequences.append(LayerSequence("Sequential", info.name, info.node.name, steps,
                                               root=info.name not in used_classes))
        seen_nodes: set[int] = set()
        all_steps = [tuple(self._seq_steps(seq, set())) for seq in self.sequentials]
        for seq, steps in zip(self.sequentials, all_steps):
            key = id(seq.node)
            root = not seq.inlined and key not in self.inlined_nodes and key not in seen_nodes
            seen_nodes.add(key)
            sequences.append(LayerSequence("Sequential", None, seq.node, steps,
                                           has_skip=any(s.skip for s in steps), root=root,
                                           exact=seq.exact and not any(s.repeated for s in steps)))
        return ArchitectureFacts(sequences, self.he_initialized)


def _is_shortcut(a: tuple[LayerStep, ...], b: tuple[LayerStep, ...]) -> bool:
    """Two tensors from one input joined where one went through fewer weight layers since
    they parted: `x + f(x)`, a projection shortcut, DenseNet's `cat([x, f(x)])`. Parallel
    branches of equal depth (SqueezeNet's Fire, Inception's equal towers) are not a shortcut."""
    common = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        common += 1
    depth_a = sum(1 for step in a[common:] if step.kind == WEIGHT or step.kind == UNKNOWN)
    depth_b = sum(1 for step in b[common:] if step.kind == WEIGHT or step.kind == UNKNOWN)
    return depth_a != depth_b


def _is_ordered_dict(value: Value) -> bool:
    return isinstance(value, _List) and getattr(value, "ordered_dict", False)


def build_architecture_facts(facts: FileFacts) -> None:
    """Fill `facts.architecture` with the layer sequences of the file."""
    try:
        facts.architecture = _Builder(facts).run()
    except _OutOfBudget:
        facts.architecture = ArchitectureFacts()
