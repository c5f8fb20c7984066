"""Which dtype the tensors fed to a model have: part of the path facts, read by NNL505.

Each scope's statements are followed in order with a small table `name -> dtype`:
`torch.from_numpy` of numpy data (float64 from `np.random.*`/`np.zeros`/sklearn's
`make_*`, integer from `np.random.randint`, unknown-but-not-float32 from `np.load`),
`torch.tensor(np_array)`, a DataFrame's `.values` (not float32), a scaler's output (the
dtype of its input, float32 kept, anything else float64), `.double()`, `.long()`,
`torch.randint`, `LongTensor`,
`dtype=` keywords; `.float()`, `.to(torch.float32)` and arithmetic with a float literal
(`x / 255.`) make a tensor float32 again. A flow is recorded when such a tensor reaches a
float-only sink: a model of the file whose `forward` passes that argument first to a
Linear/Conv/RNN/norm layer (an argument that goes to `nn.Embedding`, is used as an index or
is converted first is fine), a `torch.nn.Sequential` or torchvision model, or
`torch.mm`/`matmul` with a float32 operand — also through a helper function of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

import libcst as cst

from nnlint import catalogue
from nnlint.analysis.program.comments import introducing_comments
from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.paths.facts import PathFacts
from nnlint.analysis.paths.scopes import OwnStatements
from nnlint.analysis.program.syntax import descendants, dotted_name, iter_calls, own_statements, source_code
from nnlint.catalogue.ecosystem import (
    DATAFRAME_ARRAY_ATTRIBUTES,
    DATAFRAME_ARRAY_METHODS,
    SCALER_METHODS,
    UINT8_ARRAY_READERS,
    UINT8_IMAGE_READERS,
)
from nnlint.catalogue.layers import DROPOUT, IDENTITY, RESHAPE
from nnlint.catalogue.names import DELIBERATE_ERROR_COMMENT

FLOAT32 = "float32"  # known safe
FLOAT64 = "float64"
INTEGER = "integer"
UINT8 = "uint8"
NUMPY = "numpy"  # a numpy array of a dtype not known to be float32
# float32 converted from uint8 with no `/ 255` or normalization since: pixel values 0-255
# (NNL507). Safe for NNL505, which asks about the dtype only.
UNSCALED_PIXELS = "unscaled_pixels"

_BAD = frozenset({FLOAT64, INTEGER, UINT8, NUMPY})
_KEEP_METHODS = frozenset({"view", "reshape", "unsqueeze", "squeeze", "permute", "transpose", "flatten",
                           "contiguous", "clone", "detach", "cuda", "cpu", "pin_memory", "expand", "repeat",
                           "narrow", "requires_grad_", "t", "flip", "roll"})
_TORCH_DTYPES = {
    "torch.float32": FLOAT32, "torch.float": FLOAT32, "torch.float16": FLOAT32, "torch.half": FLOAT32,
    "torch.bfloat16": FLOAT32, "torch.FloatTensor": FLOAT32, "torch.cuda.FloatTensor": FLOAT32,
    "torch.float64": FLOAT64, "torch.double": FLOAT64, "torch.DoubleTensor": FLOAT64,
    "torch.long": INTEGER, "torch.int64": INTEGER, "torch.int32": INTEGER, "torch.int": INTEGER,
    "torch.int16": INTEGER, "torch.int8": INTEGER, "torch.LongTensor": INTEGER, "torch.uint8": UINT8,
    "torch.ByteTensor": UINT8,
}
_NUMPY_DTYPES = {
    "numpy.float32": FLOAT32, "numpy.single": FLOAT32, "numpy.float16": FLOAT32, "float32": FLOAT32,
    "numpy.float64": FLOAT64, "numpy.double": FLOAT64, "float": FLOAT64, "float64": FLOAT64,
    "numpy.int64": INTEGER, "numpy.int32": INTEGER, "int": INTEGER, "numpy.int_": INTEGER, "int64": INTEGER,
    "int32": INTEGER, "numpy.uint8": UINT8, "uint8": UINT8, "numpy.long": INTEGER,
}
_NUMPY_FLOAT64 = re.compile(r"^numpy\.(random\.(normal|randn|rand|random|uniform|standard_normal|random_sample|"
                            r"multivariate_normal|exponential|beta|gamma)|zeros|ones|empty|full|linspace|eye|"
                            r"identity)$|^sklearn\.datasets\.make_")
_NUMPY_INTEGER = re.compile(r"^numpy\.random\.(randint|choice|permutation|binomial|poisson)$")
_NUMPY_UNKNOWN = re.compile(r"^numpy\.(load|loadtxt|genfromtxt|fromfile|frombuffer|array|asarray|stack|"
                            r"concatenate|vstack|hstack)$")
_TORCH_FLOAT_FACTORIES = re.compile(r"^torch\.(randn|rand|normal|zeros|ones|empty|full|randn_like|rand_like|"
                                    r"linspace|logspace)$")
_MATMUL = frozenset({"torch.mm", "torch.matmul", "torch.bmm", "torch.mv", "torch.nn.functional.linear",
                     "torch.addmm"})
_MATMUL_LAST_PARTS = frozenset(name.rsplit(".", 1)[-1] for name in _MATMUL)
def _takes_float(short: str) -> bool:
    """A torch.nn layer (by its short name) whose parameters make its input float."""
    known = catalogue.layer(short)
    return known is not None and known.takes_float_input


Dtype = tuple[str, cst.CSTNode]  # (dtype, where it was given it)


@dataclass(frozen=True, eq=False)
class DtypeFlow:
    dtype: str
    origin: cst.CSTNode  # the conversion/construction that gave the tensor its dtype
    sink: cst.CSTNode  # the model call / matmul it reaches
    target: str  # what the sink is (`Net`, `torch.mm`, `linreg`)


@dataclass(eq=False)
class DtypeFacts:
    flows: list[DtypeFlow] = field(default_factory=list)
    # Unscaled pixel values (UNSCALED_PIXELS) reaching a float model (NNL507).
    unscaled: list[DtypeFlow] = field(default_factory=list)
    float64_default: bool = False  # torch.set_default_dtype(torch.float64) somewhere


class _Builder:
    def __init__(self, facts: FileFacts, paths: PathFacts, statements: OwnStatements) -> None:
        self.facts = facts
        self.statements = statements
        self.paths = paths
        self.aliases = facts.imports
        self.out = DtypeFacts()
        self.module_env: dict[str, Dtype] = {}
        self.class_inputs: dict[str, list[Optional[str]]] = {}  # class -> per-forward-arg "float"/"index"/None
        self.functions: dict[str, cst.FunctionDef] = {}
        self.function_sinks: dict[str, list[tuple[int, Optional[int], str]]] = {}
        self.model_classes: dict[str, str] = {}  # model variable -> "class:<Name>" / "float"
        # A call whose comments say it fails on purpose (a course showing the error) is no sink.
        self.comments = introducing_comments(facts.module)
        # Flows into a model call whose result is thrown away, by the origin's code: when the
        # same expression is converted to float further down, the call showed the error on
        # purpose (a course: "feed the uint8 image, see it fail, convert it").
        self.shown_errors: dict[str, list[DtypeFlow]] = {}

    def run(self) -> DtypeFacts:
        for statement in self.facts.module.body:
            if type(statement) is cst.FunctionDef:
                self.functions[statement.name.value] = statement
        for name in self.facts.models:
            self.class_inputs[name] = self._forward_inputs(name)
        for name, call in self.paths.models.items():
            if call is None:
                continue
            func = call.func
            if type(func) is cst.Name and func.value in self.facts.models:
                self.model_classes[name] = "class:" + func.value
            else:
                qual = qualified_name(func, self.aliases) or ""
                if qual == "torch.nn.Sequential" and self._sequential_takes_float(call):
                    self.model_classes[name] = "float"
                elif (catalogue.model_factory(qual) or {}).get("image_input"):
                    self.model_classes[name] = "float"
        # A bare torch.nn layer used as the model (`layer = nn.Linear(3, 3)`; `layer(x)`).
        for small in own_statements(self.facts.module.body):
            if type(small) is cst.Assign and type(small.value) is cst.Call:
                short = _nn_short_name(qualified_name(small.value.func, self.aliases))
                if short is not None and _takes_float(short):
                    for target in small.targets:
                        name = dotted_name(target.target)
                        if name is not None and name not in self.model_classes:
                            self.model_classes[name] = "float"
        for name, function in self.functions.items():
            self.function_sinks[name] = self._function_sinks(function)
        for scope in self.paths.scopes:
            node = scope.node
            if type(node) is cst.Module:
                self._run_scope(self.statements.of(node), self.module_env)
            elif type(node) is cst.FunctionDef and scope.in_module_class:
                continue
            else:
                env: dict = {} if scope.name == "<main>" else {param: None for param in scope.params}
                self._run_scope(self.statements.of(node), env)
        if self.out.float64_default:
            self.out.flows = [flow for flow in self.out.flows if flow.dtype != FLOAT64]
        return self.out

    # ----------------------------------------------------------- model inputs

    def _sequential_takes_float(self, call: cst.Call) -> bool:
        """The first layer of a Sequential that looks at values (past Flatten, Identity,
        Dropout) has float parameters."""
        for arg in call.args:
            if type(arg.value) is not cst.Call:
                return False
            short = _nn_short_name(qualified_name(arg.value.func, self.aliases))
            kind = catalogue.layer_kind(short) if short else None
            if kind in (RESHAPE, IDENTITY, DROPOUT):
                continue
            return short is not None and _takes_float(short)
        return False

    def _init_layers(self, cls: cst.ClassDef) -> dict[str, str]:
        """`self.X = nn.Linear(...)` -> {"X": "Linear"}; a Sequential by its first layer."""
        layers: dict[str, str] = {}
        for statement in cls.body.body:
            if not (type(statement) is cst.FunctionDef and statement.name.value == "__init__"):
                continue
            for small in self.statements.of(statement):
                if not (type(small) is cst.Assign and type(small.value) is cst.Call):
                    continue
                call = small.value
                name = (qualified_name(call.func, self.aliases) or "").rsplit(".", 1)[-1]
                if name == "Sequential" and call.args and type(call.args[0].value) is cst.Call:
                    name = (qualified_name(call.args[0].value.func, self.aliases) or "").rsplit(".", 1)[-1]
                for target in small.targets:
                    attr = dotted_name(target.target)
                    if attr and attr.startswith("self."):
                        layers[attr[5:]] = name
        return layers

    def _forward_inputs(self, cls_name: str) -> list[Optional[str]]:
        cls = self.facts.models[cls_name].node
        if type(cls) is not cst.ClassDef:
            return []
        forward = next((s for s in cls.body.body if type(s) is cst.FunctionDef and s.name.value == "forward"), None)
        if forward is None:
            return []
        layers = self._init_layers(cls)
        params = [p.name.value for p in forward.params.params][1:]
        result: list[Optional[str]] = []
        for param in params:
            result.append(self._first_use(forward, param, layers))
        return result

    def _first_use(self, forward: cst.FunctionDef, param: str, layers: dict[str, str]) -> Optional[str]:
        for small in self.statements.of(forward):
            for call in reversed(list(iter_calls(small))):
                func = call.func
                if type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value == param:
                    method = func.attr.value
                    if method in _KEEP_METHODS:
                        continue
                    return "index" if method in ("long", "int") else "converted"
                if not any(_mentions(arg.value, param) for arg in call.args):
                    continue
                name = dotted_name(func) or ""
                if name.startswith("self.") and name[5:] in layers:
                    layer = layers[name[5:]]
                    known = catalogue.layer(layer)
                    if known is not None and known.takes_index_input:
                        return "index"
                    if _takes_float(layer):
                        return "float"
                    return None
                qual = qualified_name(func, self.aliases) or ""
                if qual in ("torch.nn.functional.embedding", "torch.nn.functional.one_hot"):
                    return "index"
                if qual in _MATMUL or re.search(r"functional\.(conv\dd|linear)$", qual):
                    return "float"
                if qual.startswith("torch.") and re.search(r"\.(cat|stack|flatten|reshape|unsqueeze|squeeze)$", qual):
                    continue
                return None
            if _is_subscript_index(small, param):
                return "index"
        return None

    def _function_sinks(self, function: cst.FunctionDef) -> list[tuple[int, Optional[int], str]]:
        """(param index, other param index or None, what) for params a helper passes straight
        to a matmul with another param."""
        params = [p.name.value for p in function.params.params]
        sinks = []
        for small in self.statements.of(function):
            for call in iter_calls(small):
                qual = qualified_name(call.func, self.aliases) or ""
                if qual in _MATMUL and len(call.args) >= 2:
                    names = [arg.value.value if type(arg.value) is cst.Name else None for arg in call.args[:2]]
                    if names[0] in params and names[1] in params:
                        sinks.append((params.index(names[0]), params.index(names[1]), qual.replace("torch.", "torch.")))
                        sinks.append((params.index(names[1]), params.index(names[0]), qual))
        return sinks

    # ----------------------------------------------------------- statements

    def _run_scope(self, statements: Sequence[cst.CSTNode], env: dict[str, Dtype]) -> None:
        """The scope's own statements (`OwnStatements.of` its node), in order."""
        for small in statements:
            kind = type(small)  # not isinstance: see syntax.descendants
            comments = self.comments.get(id(small))  # most statements have none
            if not comments or not any(DELIBERATE_ERROR_COMMENT.search(comment) for comment in comments):
                for call in reversed(list(iter_calls(small))):
                    before = len(self.out.flows)
                    self._check_sink(call, env)
                    if kind is cst.Expr and small.value is call:
                        for flow in self.out.flows[before:]:
                            self.shown_errors.setdefault(source_code(flow.origin), []).append(flow)
            if kind is cst.Expr and type(small.value) is cst.Call:
                if (qualified_name(small.value.func, self.aliases) or "") == "torch.set_default_dtype":
                    arg = small.value.args[0].value if small.value.args else None
                    if arg is not None and _TORCH_DTYPES.get(qualified_name(arg, self.aliases) or "") == FLOAT64:
                        self.out.float64_default = True
            if kind is cst.Assign:
                for target in small.targets:
                    self._assign(target.target, small.value, env)
            elif kind is cst.AnnAssign and small.value is not None:
                self._assign(small.target, small.value, env)
            elif kind is cst.AugAssign:
                self._scale_in_place(small, env)

    def _scale_in_place(self, small: cst.AugAssign, env: dict[str, Dtype]) -> None:
        """`x /= 255`, `x *= 1 / 255.`: unscaled pixels are scaled now."""
        name = dotted_name(small.target)
        found = self._lookup(name, env) if name else None
        if found is None or found[0] != UNSCALED_PIXELS:
            return
        if type(small.operator) is cst.DivideAssign or (
                type(small.operator) is cst.MultiplyAssign and type(small.value) is not cst.Integer):
            self._bind(small.target, (FLOAT32, small), env)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression, env: dict[str, Dtype]) -> None:
        if type(target) in (cst.Tuple, cst.List):
            elements = [e.value for e in target.elements]
            if type(value) in (cst.Tuple, cst.List) and len(value.elements) == len(elements):
                for t, v in zip(elements, value.elements):
                    self._assign(t, v.value, env)
                return
            if type(value) is cst.Call:
                qual = qualified_name(value.func, self.aliases) or ""
                if qual.startswith("sklearn.datasets.make_") and len(elements) == 2:
                    self._bind(elements[0], ("np:" + FLOAT64, value), env)
                    self._bind(elements[1], ("np:" + INTEGER, value), env)
                    return
                if qual.endswith("train_test_split"):
                    arrays = [a.value for a in value.args if a.keyword is None]
                    for index, element in enumerate(elements):
                        if index // 2 < len(arrays):
                            found = self._dtype(arrays[index // 2], env)
                            self._bind(element, found, env)
                    return
            for element in elements:
                self._bind(element, None, env)
            return
        found = self._dtype(value, env)
        if found is not None and found[0] in (FLOAT32, UNSCALED_PIXELS) and self.shown_errors:
            for call in iter_calls(value):
                for flow in self.shown_errors.pop(source_code(call), ()):
                    if flow in self.out.flows:
                        self.out.flows.remove(flow)
        self._bind(target, found, env)

    def _bind(self, target: cst.BaseExpression, found: Optional[Dtype], env: dict[str, Dtype]) -> None:
        name = dotted_name(target)
        if name is None:
            return
        env[name] = found

    def _lookup(self, name: str, env: dict[str, Dtype]) -> Optional[Dtype]:
        if name in env:
            return env[name]
        return self.module_env.get(name)

    def _numpy_dtype(self, node: cst.BaseExpression, env: dict[str, Dtype]) -> Optional[Dtype]:
        """A numpy array's dtype, as (`np:<dtype>`, node) or (NUMPY, node) when unknown."""
        if type(node) is cst.Call:
            func = node.func
            if type(func) is cst.Attribute and func.attr.value == "astype" and node.args:
                arg = node.args[0].value
                key = qualified_name(arg, self.aliases) or (arg.evaluated_value if type(arg) is cst.SimpleString
                                                            else dotted_name(arg)) or ""
                dtype = _NUMPY_DTYPES.get(str(key))
                return ("np:" + dtype, node) if dtype else None
            if type(func) is cst.Attribute and func.attr.value in SCALER_METHODS \
                    and re.search(r"scaler", dotted_name(func.value) or "", re.IGNORECASE):
                # A scaler keeps float32 input float32 and makes anything else float64; of an
                # input whose dtype is not known, nothing is known.
                inner = self._numpy_dtype(node.args[0].value, env) if node.args else None
                if inner is None or inner[0] == "np:" + NUMPY:
                    return None
                return ("np:" + FLOAT32 if inner[0] == "np:" + FLOAT32 else "np:" + FLOAT64), node
            if type(func) is cst.Attribute and func.attr.value in DATAFRAME_ARRAY_METHODS \
                    and not any(arg.keyword is not None and arg.keyword.value == "dtype" for arg in node.args):
                return "np:" + NUMPY, node
            qual = qualified_name(func, self.aliases) or ""
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == "dtype":
                    key = qualified_name(arg.value, self.aliases) or dotted_name(arg.value) or ""
                    dtype = _NUMPY_DTYPES.get(key)
                    return ("np:" + dtype, node) if dtype else None
            if qual in UINT8_ARRAY_READERS:
                return "np:" + UINT8, node
            if _NUMPY_FLOAT64.search(qual):
                return "np:" + FLOAT64, node
            if _NUMPY_INTEGER.search(qual):
                return "np:" + INTEGER, node
            if _NUMPY_UNKNOWN.search(qual):
                if qual in ("numpy.array", "numpy.asarray") and node.args:
                    inner = self._numpy_dtype(node.args[0].value, env)
                    if inner is not None:
                        return inner
                    return None
                return "np:" + NUMPY, node
            return None
        if type(node) is cst.Subscript:
            return self._numpy_dtype(node.value, env)
        if type(node) is cst.Attribute and node.attr.value in DATAFRAME_ARRAY_ATTRIBUTES:
            return "np:" + NUMPY, node  # `df.values`: the columns' dtype, float64 or int64
        name = dotted_name(node)
        if name is not None:
            found = self._lookup(name, env)
            if found is not None and found[0].startswith("np:"):
                return found
        return None

    def _dtype(self, node: cst.BaseExpression, env: dict[str, Dtype]) -> Optional[Dtype]:
        if type(node) in (cst.Name, cst.Attribute):
            name = dotted_name(node)
            found = self._lookup(name, env) if name else None
            if found is None and type(node) is cst.Attribute:
                # `features = df[cols].values`: the array is named before it is converted, and
                # the name must keep what the inline `from_numpy(df[cols].values)` would know.
                return self._numpy_dtype(node, env)
            return found
        if type(node) is cst.Subscript:
            return self._dtype(node.value, env)
        if type(node) is cst.BinaryOperation:
            left = self._dtype(node.left, env)
            right = self._dtype(node.right, env)
            found = left or right
            other = node.right if left else node.left
            if found is None or found[0].startswith("np:"):
                return None
            if type(node.operator) is cst.Divide or type(other) is cst.Float:
                return (FLOAT32, node) if found[0] in (INTEGER, UINT8, UNSCALED_PIXELS) else found
            return found if type(other) is cst.Integer else None
        if type(node) is not cst.Call:
            return None
        numpy = self._numpy_dtype(node, env)
        if numpy is not None:
            return numpy
        func = node.func
        qual = qualified_name(func, self.aliases) or ""
        explicit = self._dtype_keyword(node)
        if qual in ("torch.from_numpy", "torch.tensor", "torch.as_tensor", "torch.Tensor") and node.args:
            if explicit is not None:
                if explicit == FLOAT32 and self._is_uint8(node.args[0].value, env):
                    return UNSCALED_PIXELS, node
                return explicit, node
            if qual == "torch.Tensor":
                return FLOAT32, node
            inner = self._numpy_dtype(node.args[0].value, env)
            if inner is not None:
                dtype = inner[0][3:] if inner[0].startswith("np:") else NUMPY
                if dtype == NUMPY and qual != "torch.from_numpy":
                    return None
                return dtype, node
            if qual == "torch.tensor" and type(node.args[0].value) in (cst.List, cst.Tuple):
                literal = _literal_kind(node.args[0].value)
                return (literal, node) if literal else None
            if qual != "torch.from_numpy":
                inner_t = self._dtype(node.args[0].value, env)
                return inner_t
            return None
        if qual in UINT8_IMAGE_READERS:
            return UINT8, node
        if qual in _TORCH_DTYPES and qual.endswith("Tensor"):
            return _TORCH_DTYPES[qual], node
        if qual == "torch.randint":
            return explicit or INTEGER, node
        if _TORCH_FLOAT_FACTORIES.search(qual) or qual == "torch.nn.Parameter":
            return explicit or FLOAT32, node
        if type(func) is cst.Attribute:
            method = func.attr.value
            receiver = self._dtype(func.value, env)
            if method in ("float", "half", "bfloat16"):
                return (UNSCALED_PIXELS if receiver is not None and receiver[0] == UINT8 else FLOAT32), node
            if method == "double":
                return FLOAT64, node
            if method in ("long", "int", "short"):
                return INTEGER, node
            if method in ("byte",):
                return UINT8, node
            if method in ("to", "type"):
                for arg in node.args:
                    dtype = _TORCH_DTYPES.get(qualified_name(arg.value, self.aliases) or "")
                    if dtype == FLOAT32 and receiver is not None and receiver[0] == UINT8:
                        return UNSCALED_PIXELS, node
                    if dtype is not None:
                        return dtype, node
                return receiver
            if method in ("div", "true_divide", "mul", "div_", "mul_") and receiver is not None \
                    and receiver[0] in (INTEGER, UINT8, UNSCALED_PIXELS):
                return FLOAT32, node
            if method in _KEEP_METHODS and receiver is not None and not receiver[0].startswith("np:"):
                return receiver
        return None

    def _is_uint8(self, node: cst.BaseExpression, env: dict[str, Dtype]) -> bool:
        """A uint8 numpy array or tensor (pixels as decoded from an image file)."""
        numpy = self._numpy_dtype(node, env)
        if numpy is not None:
            return numpy[0] == "np:" + UINT8
        found = self._dtype(node, env)
        return found is not None and found[0] == UINT8

    def _dtype_keyword(self, node: cst.Call) -> Optional[str]:
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "dtype":
                return _TORCH_DTYPES.get(qualified_name(arg.value, self.aliases) or "", "unknown")
        return None

    # ----------------------------------------------------------- sinks

    def _check_sink(self, call: cst.Call, env: dict[str, Dtype]) -> None:
        func = call.func
        # The qualified name of `a.b.f` ends with `.f`: an attribute call is a matmul only
        # if `f` is the last part of one (most calls are neither: no name to resolve).
        if type(func) is cst.Attribute and func.attr.value not in _MATMUL_LAST_PARTS:
            qual = ""
        else:
            qual = qualified_name(func, self.aliases) or ""
        if qual in _MATMUL and len(call.args) >= 2:
            first, second = self._dtype(call.args[0].value, env), self._dtype(call.args[1].value, env)
            self._pair(first, second, call, qual)
            self._pair(second, first, call, qual)
            return
        name = dotted_name(func)
        if name is None:
            return
        if name in self.function_sinks:
            for index, other, what in self.function_sinks[name]:
                if index < len(call.args) and other is not None and other < len(call.args):
                    self._pair(self._dtype(call.args[index].value, env), self._dtype(call.args[other].value, env),
                               call, f"{what} in {name}()")
            return
        kind = self.model_classes.get(name)
        if kind is None:
            return
        inputs: list[Optional[str]]
        if kind.startswith("class:"):
            inputs = self.class_inputs.get(kind[6:], [])
        else:
            inputs = ["float"]
        doubled = any(name == d or d.startswith(name + ".") for d in self.paths.double_models)
        for index, arg in enumerate(call.args):
            if arg.keyword is not None or index >= len(inputs) or inputs[index] != "float":
                continue
            found = self._dtype(arg.value, env)
            if found is not None and found[0] == UNSCALED_PIXELS:
                self.out.unscaled.append(DtypeFlow(found[0], found[1], call, kind.replace("class:", "")
                                                   if kind != "float" else name))
                continue
            if found is None or found[0] not in _BAD:
                continue
            if doubled and found[0] in (FLOAT64, NUMPY):
                continue
            self.out.flows.append(DtypeFlow(found[0], found[1], call, kind.replace("class:", "") if kind != "float"
                                            else name))

    def _pair(self, mine: Optional[Dtype], other: Optional[Dtype], call: cst.Call, what: str) -> None:
        if mine is None or other is None or mine[0] not in _BAD or other[0] not in (FLOAT32, UNSCALED_PIXELS):
            return
        self.out.flows.append(DtypeFlow(mine[0], mine[1], call, what))


def _nn_short_name(qualified: Optional[str]) -> Optional[str]:
    """`torch.nn.Linear` -> `Linear`; None for anything not in torch.nn."""
    if not qualified or not qualified.startswith(catalogue.TORCH_NN):
        return None
    return qualified[len(catalogue.TORCH_NN):]


def _literal_kind(node: cst.BaseExpression) -> Optional[str]:
    """INTEGER for a (nested) list of int literals, FLOAT32 with a float among them, else None."""
    kinds = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) in (cst.List, cst.Tuple):
            stack.extend(element.value for element in current.elements)
        elif type(current) is cst.Integer:
            kinds.add(INTEGER)
        elif type(current) is cst.Float:
            kinds.add(FLOAT32)
        elif type(current) is cst.UnaryOperation:
            stack.append(current.expression)
        else:
            return None
    return FLOAT32 if FLOAT32 in kinds else (INTEGER if kinds else None)


def _mentions(node: cst.BaseExpression, name: str) -> bool:
    while True:
        if type(node) is cst.Name:
            return node.value == name
        if type(node) is cst.Subscript:
            node = node.value
        elif type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in _KEEP_METHODS:
            node = node.func.value
        else:
            return False


def _is_subscript_index(small: cst.CSTNode, param: str) -> bool:
    """`self.table[param]` / `weights[param]`: the argument indexes."""
    return any(type(node) is cst.SubscriptElement and type(node.slice) is cst.Index
               and type(node.slice.value) is cst.Name and node.slice.value.value == param
               for node in descendants(small, stop=()))


def build_dtype_facts(facts: FileFacts, paths: PathFacts, statements: Optional[OwnStatements] = None) -> DtypeFacts:
    return _Builder(facts, paths, statements or OwnStatements()).run()
