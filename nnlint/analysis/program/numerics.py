"""Which values can be exactly zero: the arithmetic behind NaN from log, division and sqrt.

The interpreter asks this module what an operator, a tensor method or a torch function
makes of the values it knows. Anything not listed here (a clamp, `+ eps`, `softplus`,
`torch.max(x, eps)`) yields an unknown value, and an unknown value is never reported:
a guard therefore needs no special case, wherever in the function it was applied.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

import libcst as cst

from nnlint.analysis.facts import (
    GRID,
    NORMALIZED,
    NUMBER,
    PROBABILITY_LIKE,
    SIGMOID,
    SOFTMAX,
    SQUARE_SUM,
    SQUARES,
    TENSOR,
    ZERO_ABLE,
    Output,
)
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.program.literals import literal_value
from nnlint.analysis.program.values import Constant, ValueSet, outputs_of
from nnlint.catalogue.functions import (
    GRID_FUNCTIONS,
    NAN_NAMES,
    NORM_FUNCTIONS,
    NORM_METHODS,
    ZERO_ABLE_FUNCTIONS,
    ZERO_ABLE_METHODS,
)
from nnlint.catalogue.ranges import GAUSSIAN, ONES, UNIT_NORM

PROBABILITIES = frozenset({SOFTMAX, SIGMOID, NORMALIZED, PROBABILITY_LIKE})
# A mean of softmax or sigmoid outputs over some axes stays within their range.
PROBABILITY_OPS = frozenset({SOFTMAX, SIGMOID})
_AVERAGES = frozenset({"mean", "nanmean"})
_SQUARED = frozenset({SQUARES, SQUARE_SUM})

# A function parameter named like this holds probabilities unless shown otherwise.
PROBABILITY_NAME = re.compile(
    r"^(p|probs?|probas?|probabilities|y_pred|y_prob|dist|distribution|.+_probs?|.+_probas?|.+_dist)$"
)



def same_code(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    """`a.deep_equals(b)`, answered at once where the two differ in class or, for names and
    attributes, in the name (libcst's deep_equals walks every field of both trees)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is cst.Name:
        if a.value != b.value:
            return False
    elif kind is cst.Attribute and a.attr.value != b.attr.value:
        return False
    return a.deep_equals(b)


def _ops(values: ValueSet) -> set[str]:
    return {output.op for output in outputs_of(values)}




def arithmetic(node: cst.BinaryOperation, left: ValueSet, right: ValueSet,
               same_sides: Optional[bool] = None) -> ValueSet:
    """What `left <op> right` can be, for the zero-tracking ops only. `same_sides` says
    whether both operands are the same code, if the caller knows (see same_code)."""
    operator = node.operator
    left_ops, right_ops = _ops(left), _ops(right)
    if GRID in left_ops and (GRID in right_ops or not right_ops):
        # Arithmetic on index grids (relative positions, distances between pixels) stays a
        # constant: no gradient flows through it, so a sqrt of it cannot go NaN.
        return (Output(GRID, node),)
    if GRID in right_ops and not left_ops:
        return (Output(GRID, node),)
    if type(operator) is cst.Subtract:
        # 1 - p: zero when p reaches one.
        if _is_one(left) and right_ops == {SIGMOID}:
            # 1 - sigmoid(z) is sigmoid(-z): still a sigmoid's output, for the losses too
            # (`torch.cat([1 - p, p])` fed to a logits loss).
            return tuple(output.derived_at() for output in outputs_of(right))
        if _is_one(left) and right_ops & PROBABILITIES:
            return (Output(PROBABILITY_LIKE, node),)
        if type(node.left) is cst.Call and type(node.right) is cst.Call \
                and _method_name(node.left) in ("max", "amax") and _method_name(node.right) in ("min", "amin"):
            return (Output(ZERO_ABLE, node),)  # x.max() - x.min(): 0 for a constant input
        return ()
    if type(operator) is cst.Power:
        if len(right) == 1 and isinstance(right[0], Constant) and right[0].value == 2:
            return (Output(SQUARES, node),)
        return ()
    if type(operator) is cst.Multiply:
        if same_sides is None:
            same_sides = same_code(node.left, node.right)
        if same_sides and type(node.left) not in (cst.Integer, cst.Float):
            return (Output(SQUARES, node),)
        if left_ops & PROBABILITIES and right_ops & PROBABILITIES:
            return (Output(PROBABILITY_LIKE, node),)  # p * q: zero when either is
        return ()
    if type(operator) is cst.Add:
        if _is_sum(node.left) and _is_sum(node.right) and (left_ops & PROBABILITIES or right_ops & PROBABILITIES):
            # pred.sum() + target.sum() of a Dice denominator: non-negative sums, both 0 for an
            # empty mask and a prediction saturated to 0, so the ratio is 0 / 0.
            return (Output(ZERO_ABLE, node),)
        if left_ops & PROBABILITIES and right_ops & PROBABILITIES:
            return (Output(PROBABILITY_LIKE, node),)  # mixtures of distributions
        if left_ops & _SQUARED and right_ops & _SQUARED:
            return (Output(SQUARE_SUM, node),)  # dx ** 2 + dy ** 2
        return ()
    if type(operator) is cst.Divide:
        if _sum_of(node.right, node.left):
            # q / q.sum(1, keepdim=True), exp(x) / exp(x).sum(-1): a distribution by hand.
            return (Output(NORMALIZED, node),)
        if left_ops & PROBABILITIES:
            return (Output(PROBABILITY_LIKE, node),)  # p.sum(0) / T is still 0 where p is
        return ()
    return ()


def squared_base(node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`b` of `b ** 2` or `b * b` (brackets aside), else None."""
    if type(node) is cst.BinaryOperation:
        if type(node.operator) is cst.Power and type(node.right) is cst.Integer and node.right.value == "2":
            return node.left
        if type(node.operator) is cst.Multiply and same_code(node.left, node.right):
            return node.left
    return None


def positive_square_sum(node: cst.BinaryOperation, is_number: Callable[[cst.BaseExpression], bool]) -> bool:
    """`a ** 2 + b ** 2` that cannot be 0: one base is a nonzero number (`sigma ** 2 +
    self.sigma_data ** 2`, a hyperparameter; `is_number` says which expressions are), or the
    bases cannot vanish together (`(1 - t) ** 2 + t ** 2` is at least 1/2)."""
    if type(node.operator) is not cst.Add:
        return False
    left, right = squared_base(node.left), squared_base(node.right)
    if left is None or right is None:
        return False
    if is_number(left) or is_number(right):
        return True
    return _offset_of(left, right) or _offset_of(right, left)


def _offset_of(shifted: cst.BaseExpression, base: cst.BaseExpression) -> bool:
    """`shifted` is `c - base`, `base - c` or `base + c` for a nonzero literal c."""
    if type(shifted) is not cst.BinaryOperation or type(shifted.operator) not in (cst.Add, cst.Subtract):
        return False
    for literal, other in ((shifted.left, shifted.right), (shifted.right, shifted.left)):
        if type(literal) in (cst.Integer, cst.Float) and same_code(other, base):
            try:
                return float(literal_value(literal)) != 0
            except (ValueError, OverflowError):
                return False
    return False


def tensor_method(method: str, receiver: Optional[Output], node: cst.Call, args: ValueSet,
                  selection: bool = False) -> Optional[Output]:
    """What `receiver.method(...)` is for the zero-tracking ops, or None if nothing known.

    `receiver` is None when nothing is known of the tensor, which is the usual case for
    weights and function inputs; norms and standard deviations are zero-able whatever
    they are taken of. `selection` says the receiver selects elements by their values
    (`(y == c)`, `keep = target != ignore`, `pos`): its sum is a count that is 0 when no
    element qualifies.
    """
    op = receiver.op if receiver is not None else None
    if op == GRID:
        return receiver if method not in ZERO_ABLE_METHODS else Output(ZERO_ABLE, node)
    if op == UNIT_NORM and method in NORM_METHODS:
        return None  # an eigenvector's or singular vector's norm is 1
    if op == GAUSSIAN and method in ZERO_ABLE_METHODS:
        return None  # the norm or std of Gaussian samples is 0 with probability 0
    if method in ZERO_ABLE_METHODS:
        return Output(ZERO_ABLE, node)
    if method == "var":
        return Output(SQUARE_SUM, node)
    if method in ("square", "square_") or (method in ("pow", "pow_") and _is_two(args)):
        return Output(SQUARES, node)
    if method in ("sum", "mean", "nansum", "nanmean"):
        if method in _AVERAGES and op in PROBABILITY_OPS and _has_dim(node, 0):
            return receiver.derived_at()
        if op in _SQUARED:
            return Output(SQUARE_SUM, node)
        if op in PROBABILITIES:
            return Output(PROBABILITY_LIKE, node)
        if method in ("sum", "nansum") and op != ONES and selection:
            return Output(ZERO_ABLE, node)
    return None


def library_call(name: str, node: cst.Call, first: ValueSet, second: ValueSet) -> Optional[Output]:
    """What a torch function returns, for the zero-tracking ops."""
    if name in NORM_FUNCTIONS and first and all(isinstance(value, Output) and value.op == UNIT_NORM
                                                 for value in first):
        return None  # the norm of unit-norm columns is 1
    if name in ZERO_ABLE_FUNCTIONS and first and all(isinstance(value, Output) and value.op == GAUSSIAN
                                                     for value in first):
        return None  # the norm or std of Gaussian samples is 0 with probability 0
    if name in ZERO_ABLE_FUNCTIONS:
        return Output(ZERO_ABLE, node)
    if name in GRID_FUNCTIONS:
        return Output(GRID, node)
    if name == "torch.var":
        return Output(SQUARE_SUM, node)
    if name == "torch.square" or (name == "torch.pow" and _is_two(second)):
        return Output(SQUARES, node)
    if name in ("torch.sum", "torch.mean"):
        ops = _ops(first)
        if name == "torch.mean" and ops and ops <= PROBABILITY_OPS and _has_dim(node, 1):
            return outputs_of(first)[0].derived_at()
        if ops & _SQUARED:
            return Output(SQUARE_SUM, node)
        if ops & PROBABILITIES:
            return Output(PROBABILITY_LIKE, node)
    return None


def loss_value(loss: str, node: cst.Call) -> ValueSet:
    """MSE is a mean of squares: its square root (an RMSE loss) has an infinite gradient at 0."""
    return (Output(SQUARE_SUM, node),) if loss == "MSELoss" else ()


def parameter_value(param: cst.Param) -> ValueSet:
    """An input nobody passes a known value to, named as probabilities (`probs`, `y_pred`)."""
    if PROBABILITY_NAME.match(param.name.value):
        return (Output(PROBABILITY_LIKE, param.name),)
    return ()


def nan_operand(node: cst.BaseExpression, qualified: Optional[str]) -> bool:
    """`float('nan')`, `np.nan`, `math.nan`, `torch.nan`."""
    if qualified in NAN_NAMES:
        return True
    if type(node) is cst.Call and type(node.func) is cst.Name and node.func.value == "float" \
            and len(node.args) == 1 and type(node.args[0].value) is cst.SimpleString:
        text = literal_value(node.args[0].value)
        return isinstance(text, str) and text.strip().lower() == "nan"
    return False


# Calls whose result is a Python number whatever they are given.
_NUMBER_METHODS = frozenset({"item"})
_NUMBER_BUILTINS = frozenset({"float", "int", "len"})


def operand_kind(node: Optional[cst.BaseExpression], values: ValueSet, aliases: dict[str, str]) -> Optional[str]:
    """TENSOR, NUMBER or None (unknown) for an operand compared with NaN: what its tracked
    values are, else what the call producing it returns (`x.item()`, `float(x)`, `math.*`
    give numbers; `torch.*` functions give tensors)."""
    if values and all(isinstance(value, Output) for value in values):
        return TENSOR
    if values and all(isinstance(value, Constant) and isinstance(value.value, (int, float))
                      and not isinstance(value.value, bool) for value in values):
        return NUMBER
    if type(node) is not cst.Call:
        return None
    func = node.func
    if type(func) is cst.Attribute and func.attr.value in _NUMBER_METHODS and not node.args:
        return NUMBER
    if type(func) is cst.Name and func.value in _NUMBER_BUILTINS and func.value not in aliases:
        return NUMBER
    qualified = qualified_name(func, aliases) or ""
    if qualified.startswith("math."):
        return NUMBER
    # torch functions return tensors; torch classes (`nn.Linear(...)`) build other things.
    if qualified.startswith("torch.") and not qualified.rsplit(".", 1)[-1][:1].isupper():
        return TENSOR
    return None


def _is_sum(node: cst.BaseExpression) -> bool:
    """`x.sum(...)` or `torch.sum(x, ...)`, as written."""
    return type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "sum"


def _sum_of(total: cst.BaseExpression, part: cst.BaseExpression) -> bool:
    """`total` is `part.sum(...)` or `torch.sum(part, ...)` (any spelling of the module)."""
    if type(total) is not cst.Call or type(total.func) is not cst.Attribute or total.func.attr.value != "sum":
        return False
    if same_code(total.func.value, part):
        return True
    positional = [arg.value for arg in total.args if arg.keyword is None and not arg.star]
    return type(total.func.value) is cst.Name and bool(positional) and same_code(positional[0], part)


def _has_dim(node: cst.Call, position: int) -> bool:
    """The reduction names the axes it averages (`p.mean(dim=0)`, `torch.mean(p, 1)`): what is
    left is a mean of distributions over the others, not one number."""
    positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
    return len(positional) > position or any(arg.keyword is not None and arg.keyword.value in ("dim", "axis")
                                             for arg in node.args)


def _is_one(values: ValueSet) -> bool:
    return len(values) == 1 and isinstance(values[0], Constant) and values[0].value == 1


def _is_two(values: ValueSet) -> bool:
    return len(values) == 1 and isinstance(values[0], Constant) and values[0].value == 2


def _method_name(call: cst.Call) -> str:
    return call.func.attr.value if type(call.func) is cst.Attribute else ""

