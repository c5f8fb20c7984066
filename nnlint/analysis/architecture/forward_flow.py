"""Forward data flow: which steps each tensor went through, and where paths join again.

Part of the builder in `nnlint.analysis.architecture.build`. In `forward` every tensor is a
`Chain` of the steps applied since an input; applying a layer, a Sequential or a local
model class extends it. Adding or concatenating two tensors derived from the same input is
a skip connection when one of them went through fewer weight layers since they parted.
"""

from __future__ import annotations

import itertools
from typing import Optional, Sequence, Union

import libcst as cst

from nnlint.analysis.architecture.kinds import (MERGE, UNKNOWN, WEIGHT, LayerStep, changed_step, function_kind,
                                               method_kind)
from nnlint.analysis.architecture.values import (MAX_CALL_DEPTH, UNKNOWN_VALUE, Chain, ClassInfo, Layer, ListValue, Lit, Seq,
                                          SelfValue, Value, tensor_arguments)
from nnlint.catalogue.functions import PASS_METHODS, PRODUCT_FUNCTIONS, SHAPE_ONLY_METHODS, SKIP_JOINS
from nnlint.analysis.program.syntax import dotted_name, last_part


class ForwardFlow:
    """Data flow through `forward` for `ArchitectureBuilder`, whose state (`classes`,
    `container_ids`, `current_container`, `chains`, `forward_skip`, `depth`,
    `inlined_nodes`) and other parts (`_exec`, `_args`, `_evaluate_class`) it relies on."""

    def _forward(self, info: ClassInfo) -> None:
        forward = info.methods.get("forward")
        if forward is None or not isinstance(forward.body, cst.IndentedBlock):
            return
        self.forward_phase = True
        container = next(self.container_ids)
        self.current_container = container
        self.chains: list[Chain] = []
        env: dict[str, Value] = {}
        root_ids = itertools.count(1)
        params = list(forward.params.params)
        for index, param in enumerate(params):
            if index == 0 and param.name.value == "self":
                env["self"] = SelfValue(info)
            else:
                env[param.name.value] = Chain((), frozenset({next(root_ids)}))
        for param in forward.params.kwonly_params:
            env[param.name.value] = Chain((), frozenset({next(root_ids)}))
        self.forward_skip = False
        depth, self.depth = self.depth, MAX_CALL_DEPTH  # no helper inlining inside forward
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
            steps = tuple(changed_step(s, shared=True) if id(s) in shared_steps else s for s in chain.steps)
            result.append(steps)
        # A path that is a prefix of another holds the same layers: reporting both would
        # report them twice.
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
            if isinstance(result, Chain):
                result.returned = True
                return
            if isinstance(result, ListValue):
                for item in result.items:
                    if isinstance(item, Chain):
                        item.returned = True
                return

    def _new_chain(self, chain: Chain) -> Chain:
        self.chains.append(chain)
        return chain

    def _step(self, chain: Chain, step: LayerStep) -> Chain:
        chain.uses += 1
        if step.container == 0 and step.kind != UNKNOWN:
            step = changed_step(step, container=self.current_container)
        return self._new_chain(Chain(chain.steps + (step,), chain.roots))

    def _merge(self, first: Chain, others: list, node: cst.CSTNode, skip: bool) -> Chain:
        chains = [first] + [o for o in others if isinstance(o, Chain) and o is not first]
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
        return self._new_chain(Chain(longest.steps + (step,), roots))

    def _combine(self, left: Value, right: Value, node: cst.CSTNode, add: bool) -> Value:
        if isinstance(left, Chain) and isinstance(right, Chain):
            return self._merge(left, [right], node, skip=add)
        chain, other = (left, right) if isinstance(left, Chain) else (right, left)
        if not isinstance(chain, Chain):
            return UNKNOWN_VALUE
        if not add and not isinstance(other, Lit):
            # A product with another data-dependent tensor (a gate computed elsewhere, a
            # norm) is not linear in the input: it ends a linear stack as a merge does.
            return self._merge(chain, [], node, skip=False)
        return chain

    def _apply_module(self, module: Union[Layer, Seq], chains: list[Chain], node: cst.Call) -> Value:
        chain = chains[0]
        for other in chains[1:]:
            other.uses += 1
        attr = dotted_name(node.func)
        attr = attr.split(".", 1)[1] if attr and attr.startswith("self.") else attr
        if isinstance(module, Seq):
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
        return self._step(chain, changed_step(step, node=node, attr=attr, container=self.current_container,
                                          construction=step.construction))

    def _fresh_containers(self, steps: list[LayerStep]) -> list[LayerStep]:
        """The steps of one application of a module: applying it twice (`f(f(x))`) gives two
        parts, not one stack written in one place."""
        fresh: dict[int, int] = {}
        result = []
        for step in steps:
            if step.container not in fresh:
                fresh[step.container] = next(self.container_ids)
            result.append(changed_step(step, container=fresh[step.container]))
        return result

    def _seq_steps(self, seq: Seq, seen: set) -> list[LayerStep]:
        """The steps of a Sequential, nested Sequentials and known local classes expanded."""
        if id(seq) in seen:
            return [LayerStep(UNKNOWN, seq.node, "recursive", 0)]
        seen = seen | {id(seq)}
        if seq.container is None:
            seq.container = next(self.container_ids)
        container = seq.container
        steps: list[LayerStep] = []
        for item in seq.items:
            if isinstance(item, Seq):
                item.inlined = True
                self.inlined_nodes.add(id(item.node))
                steps.extend(self._seq_steps(item, seen))
            elif isinstance(item, Layer):
                if item.local_class is not None:
                    inner = self._class_steps(item.local_class, item.step.node, seen)
                    if inner is not None:
                        steps.extend(self._fresh_containers(inner))
                        continue
                steps.append(changed_step(item.step, container=container))
            elif isinstance(item, ListValue):
                steps.extend(self._seq_steps(Seq(seq.node, item.items, item.exact), seen))
            else:
                steps.append(LayerStep(UNKNOWN, seq.node, "unknown", container))
        return steps

    def _class_steps(self, name: str, node: cst.CSTNode, seen: set) -> Optional[list[LayerStep]]:
        info = self.classes.get(name)
        if info is None or id(info) in seen:
            return None
        seen = seen | {id(info)}
        self._evaluate_class(info)
        info.used = True
        if info.is_sequential and info.items is not None:
            return self._seq_steps(Seq(info.node, info.items), seen)
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

    def _tensor_function(self, name: str, chains: list[Chain], node: cst.Call) -> Value:
        first = chains[0]
        short = last_part(name)
        if name in SKIP_JOINS:
            return self._merge(first, chains[1:], node, skip=True)
        if name in PRODUCT_FUNCTIONS or len(chains) > 1:
            return self._merge(first, chains[1:], node, skip=False)
        kind, linear = function_kind(name)
        return self._step(first, LayerStep(kind, node, short, self.current_container, linear=linear))

    def _tensor_method(self, chain: Chain, method: str, node: cst.Call, env: dict) -> Value:
        args, keywords, _ = self._args(node, env)
        others = tensor_arguments(args, keywords)
        if method in SHAPE_ONLY_METHODS:
            others = []  # the argument only lends its shape, dtype or device
        if method in PASS_METHODS and not others:
            return chain
        if others:
            return self._merge(chain, others, node, skip=method in ("add", "add_"))
        kind, linear = method_kind(method)
        return self._step(chain, LayerStep(kind, node, method, self.current_container, linear=linear))

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
