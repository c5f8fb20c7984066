"""The scope walk of the path facts: every function, the module body and the
`if __name__ == "__main__":` block become a scope with its events in order, the loops and
`torch.no_grad()` blocks around each, and a role (train, eval or other) from its name and
its body.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import libcst as cst

from nnlint.analysis.facts import FileFacts
from nnlint.analysis.program.imports import qualified_name
from nnlint.analysis.paths.mode_contexts import ModeContext, learn_mode_context, library_mode_context
from nnlint.analysis.paths.events import call_event, mark_shape_only, merge_opposite_switches
from nnlint.analysis.paths.facts import (
    EVAL,
    EVAL_SWITCH,
    MODEL_CALL,
    OTHER,
    STEP,
    SWITCH,
    TRAIN,
    TRAIN_SWITCH,
    Event,
    PathFacts,
    Scope,
)
from nnlint.analysis.paths.models import KnownModels, instantiates_class, is_pretrained_load
from nnlint.analysis.program.syntax import (
    _with_subclasses,
    dotted_name,
    header_expressions,
    is_main_guard,
    iter_calls,
    last_part,
    own_statements,
    statement_bodies,
)
from nnlint.catalogue.functions import NO_GRAD_CONTEXTS
from nnlint.catalogue.names import EVAL_FUNCTION, MODEL_NAME, TRAIN_FUNCTION

# Type sets rather than isinstance against libcst's ABC-based classes: the walks below test
# every statement of the file.
_COMPOUND_STATEMENTS = _with_subclasses((cst.BaseCompoundStatement,))


def _tuple_elements(target: cst.BaseExpression) -> list:
    """The elements of `a, b = ...` (each with a `.value`), or the target itself."""
    if type(target) in (cst.Tuple, cst.List):
        return list(target.elements)
    return [cst.Element(target)]


def _returned_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values of the `return` statements of `function`'s own body (not of nested functions)."""
    found = []
    pending = [function.body.body]
    while pending:
        for statement in pending.pop():
            if type(statement) is cst.SimpleStatementLine:
                found.extend(small.value for small in statement.body
                             if type(small) is cst.Return and small.value is not None)
            elif type(statement) in _COMPOUND_STATEMENTS and type(statement) not in (cst.FunctionDef, cst.ClassDef):
                pending.extend(statement_bodies(statement))
    return found


class OwnStatements:
    """The small statements and header expressions each function, `__main__` block or module
    runs itself (`own_statements`; the module's without its `__main__` block), listed once per
    file for the builders that read them in turn (preprocessing, dtypes). Keyed by id() of the
    node owning the body: each entry keeps its node alive, so no id is reused while this
    object, one file's, lives."""

    def __init__(self) -> None:
        self._found: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}

    def of(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        """Of a `cst.Module`, a `cst.FunctionDef` or an `if __name__ == "__main__":`."""
        entry = self._found.get(id(node))
        if entry is None or entry[0] is not node:
            if type(node) is cst.Module:
                found = list(own_statements(node.body, skip_main=True))
            else:
                found = list(own_statements(node.body.body))
            entry = self._found[id(node)] = (node, found)
        return entry[1]


class ScopeWalker:
    """Builds the path facts of one file: models first, then every scope in turn."""

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.aliases = facts.imports
        self.scopes: list[Scope] = []
        # The scopes walked so far by name, each list in walk order (`_fresh_from_helper`
        # looks its helpers up by name at every assignment of a call).
        self._scopes_by_name: dict[str, list[Scope]] = {}
        self.models = KnownModels(facts)
        self.local_functions: set[str] = set()
        # The file's own context managers that set a model's mode (`with evaluating(model):`).
        self.mode_contexts: dict[str, ModeContext] = {}
        # Model calls bound to a plain name (`out = model(x)`), by id of their event.
        self.bound: dict[int, str] = {}

    def run(self) -> PathFacts:
        module = self.facts.module
        self._collect_function_names(module.body)
        self.models.find(module.body)
        main = Scope("<module>", module, [])
        self._add_scope(main)
        self._walk_block(module.body, main, (), False, top=True)
        self._classify(main)
        pending: list[tuple[Sequence[cst.CSTNode], Optional[str], bool]] = [(module.body, None, False)]
        while pending:
            body, cls, is_module = pending.pop()
            for statement in body:
                kind = type(statement)
                if kind is cst.FunctionDef:
                    self._function_scope(statement, cls, is_module)
                elif kind is cst.ClassDef:
                    pending.append((statement.body.body, statement.name.value,
                                    self.models.is_module_class(statement)))
                elif kind in _COMPOUND_STATEMENTS:
                    for inner in statement_bodies(statement):
                        pending.append((inner, cls, is_module))
        for scope in self.scopes:
            mark_shape_only(scope, self.bound)
        models = self.models
        return PathFacts(self.scopes, models.models, models.has_mode_layers, models.parameter_owners,
                         models.double_models, models.class_modes(),
                         {name for name, born_eval in models.born_eval.items() if born_eval})

    def _collect_function_names(self, body: Sequence[cst.CSTNode]) -> None:
        """Names of the file's functions and methods at any depth: calls of them are LOCAL_CALL events."""
        for statement in body:
            kind = type(statement)
            if kind is cst.FunctionDef:
                self.local_functions.add(statement.name.value)
                context = learn_mode_context(statement, self.aliases)
                if context is not None:
                    self.mode_contexts[statement.name.value] = context
                self._collect_function_names(statement.body.body)
            elif kind is cst.ClassDef:
                self._collect_function_names(statement.body.body)
            elif kind in _COMPOUND_STATEMENTS:
                for inner in statement_bodies(statement):
                    self._collect_function_names(inner)

    def _function_scope(self, node: cst.FunctionDef, cls: Optional[str], is_module: bool) -> None:
        params = [param.name.value for param in
                  (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)]
        scope = Scope(node.name.value, node, params, cls=cls, in_module_class=is_module)
        for decorator in node.decorators:
            target = decorator.decorator
            if type(target) is cst.Call:
                target = target.func
            if (qualified_name(target, self.aliases) or "") in NO_GRAD_CONTEXTS:
                scope.decorated_no_grad = True
        self._add_scope(scope)
        self._walk_block(node.body.body, scope, (), scope.decorated_no_grad)
        self._classify(scope)
        # Nested functions are scopes of their own.
        pending = [node.body.body]
        while pending:
            for statement in pending.pop():
                kind = type(statement)
                if kind is cst.FunctionDef:
                    self._function_scope(statement, cls, is_module)
                elif kind in _COMPOUND_STATEMENTS and kind is not cst.ClassDef:
                    pending.extend(statement_bodies(statement))

    def _add_scope(self, scope: Scope) -> None:
        self.scopes.append(scope)
        self._scopes_by_name.setdefault(scope.name, []).append(scope)

    def _classify(self, scope: Scope) -> None:
        steps_in_loop = any(event.kind == STEP and event.loops for event in scope.events)
        any_step = any(event.kind == STEP for event in scope.events)
        if scope.name == "<module>":
            scope.role = TRAIN if steps_in_loop else OTHER
        elif TRAIN_FUNCTION.search(scope.name) or steps_in_loop or (any_step and not EVAL_FUNCTION.search(scope.name)):
            scope.role = TRAIN
        elif EVAL_FUNCTION.search(scope.name) or scope.decorated_no_grad:
            scope.role = EVAL

    def _walk_block(self, body: Sequence[cst.CSTNode], scope: Scope, loops: tuple[int, ...], no_grad: bool,
                    top: bool = False) -> None:
        for statement in body:
            kind = type(statement)
            if kind is cst.FunctionDef or kind is cst.ClassDef:
                continue
            if kind is cst.SimpleStatementLine:
                for small in statement.body:
                    self._events(small, scope, loops, no_grad)
                    if type(small) is cst.Assign:
                        self._note_construction(small, scope, loops, no_grad)
                continue
            for expression in header_expressions(statement):
                self._events(expression, scope, loops, no_grad)
            inner_loops = loops
            inner_no_grad = no_grad
            if kind is cst.For or kind is cst.While:
                scope.loops[id(statement)] = statement
                inner_loops = loops + (id(statement),)
            elif kind is cst.With and any(self._disables_grad(item.item) for item in statement.items):
                scope.eval_blocks[id(statement)] = statement
                inner_no_grad = True
            restore: list[Event] = []
            if kind is cst.With:
                for item in statement.items:
                    call = item.item
                    context = self._mode_context(call)
                    if context is None or type(call) is not cst.Call:
                        continue
                    # `with eval_mode(model):` switches each model passed for the block and
                    # puts its earlier mode back after it (a mode chosen at run time here).
                    for arg in call.args:
                        name = dotted_name(arg.value) if arg.keyword is None else None
                        if name is not None:
                            scope.events.append(Event(context.mode, call, name, loops, no_grad))
                            restore.append(Event(SWITCH, call, name, loops, no_grad))
                    if context.no_grad:
                        scope.eval_blocks[id(statement)] = statement
                        inner_no_grad = True
            if kind is cst.If and top and is_main_guard(statement.test):
                # `if __name__ == "__main__":` is a scope of its own.
                main = Scope("<main>", statement, [])
                self._add_scope(main)
                self._walk_block(statement.body.body, main, (), False)
                self._classify(main)
                if main.role == OTHER and any(event.kind == MODEL_CALL for event in main.events):
                    main.role = EVAL
                continue
            if kind is cst.If and statement.orelse is not None:
                self._walk_if(statement, scope, inner_loops, inner_no_grad)
                continue
            for inner in statement_bodies(statement):
                self._walk_block(inner, scope, inner_loops, inner_no_grad)
            scope.events.extend(restore)

    def _mode_context(self, expression: cst.BaseExpression) -> Optional[ModeContext]:
        """The mode a `with` item sets: a library's context manager (catalogue) or one of the file's."""
        if type(expression) is not cst.Call:
            return None
        if type(expression.func) is cst.Name and expression.func.value in self.mode_contexts:
            return self.mode_contexts[expression.func.value]
        return library_mode_context(qualified_name(expression.func, self.aliases))

    def _note_construction(self, small: cst.Assign, scope: Scope, loops: tuple[int, ...], no_grad: bool) -> None:
        """What an assignment says of the models it binds: built fresh in this scope, and left
        in eval mode (`Net().eval()`, `from_pretrained(...)`) or train mode (`.train()`)."""
        value = small.value
        if type(value) is not cst.Call:
            return  # only a call builds, loads or wraps a model: every test below says no
        targets = [name for name in (dotted_name(t.target) for t in small.targets) if name]
        binds, mode_layers, builds, call = self.models.judge_construction(value, [t.target for t in small.targets])
        if binds:
            scope.bound_mode_layers.update((name, mode_layers) for name in targets)
        if builds:
            scope.constructed.update(targets)
        elif instantiates_class(call):
            # `model = Decoder(dim=64)` with Decoder's layers out of view: a fresh local model too.
            scope.constructed.update(name for name in targets if "." not in name)
        elif self._fresh_from_helper(value, scope):
            # `model, inputs = make_model_and_inputs()`: a helper of the file that builds, not loads.
            for target in small.targets:
                scope.constructed.update(filter(None, (dotted_name(t.value) for t in _tuple_elements(target.target))))
        mode = self.models.construction_mode(value)
        if mode is None and all(name in self.models.models or MODEL_NAME.search(last_part(name)) for name in targets):
            mode = self._wrapped_mode(value, scope)
        if mode is not None and (builds or not is_pretrained_load(call)):
            scope.events.extend(Event(mode, small, name, loops, no_grad) for name in targets)

    def _wrapped_mode(self, value: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """`model = get_peft_model(base, cfg)`, `torch.compile(base)`, `accelerator.prepare(base)`:
        a call whose first argument is a model of this scope wraps it and keeps its mode (a
        wrapper's `training` flag is its inner module's until someone switches it)."""
        call = value
        while type(call) is cst.Call and type(call.func) is cst.Attribute and call.func.attr.value in (
                "to", "cuda", "cpu", "float", "half", "double", "bfloat16"):
            call = call.func.value
        if type(call) is not cst.Call or not call.args or call.args[0].keyword is not None:
            return None
        inner = dotted_name(call.args[0].value)
        if inner is None:
            return None
        for event in reversed(scope.events):
            if event.kind in (EVAL_SWITCH, TRAIN_SWITCH, SWITCH) and event.target == inner:
                # Only eval mode is handed on: a TRAIN_SWITCH event reads as a deliberate
                # train() (Monte-Carlo dropout), which a wrapper of a training model is not.
                return EVAL_SWITCH if event.kind == EVAL_SWITCH else None
        return None

    def _fresh_from_helper(self, value: cst.BaseExpression, scope: Scope) -> bool:
        """`make_model_and_inputs()`, or `self._build_model_and_inputs()` of the scope's own
        class (a test class's builder): a helper of the file that returns a model it built."""
        if type(value) is not cst.Call:
            return False
        func = value.func
        if type(func) is cst.Name:
            helpers = self._scopes_by_name.get(func.value, [])
        elif type(func) is cst.Attribute and type(func.value) is cst.Name and func.value.value == "self" \
                and scope.cls is not None:
            helpers = [s for s in self._scopes_by_name.get(func.attr.value, ()) if s.cls == scope.cls]
        else:
            return False
        if len(helpers) != 1 or helpers[0].loads_weights or type(helpers[0].node) is not cst.FunctionDef:
            return False
        helper = helpers[0]
        for returned in _returned_values(helper.node):
            for element in _tuple_elements(returned):
                if dotted_name(element.value) in helper.constructed or self.models.builds_model(element.value) \
                        or self.models.instantiates_class(element.value):
                    return True
        return False

    def _walk_if(self, statement: cst.If, scope: Scope, loops: tuple[int, ...], no_grad: bool) -> None:
        start = len(scope.events)
        self._walk_block(statement.body.body, scope, loops, no_grad)
        middle = len(scope.events)
        orelse = statement.orelse
        if type(orelse) is cst.If:
            self._walk_block([orelse], scope, loops, no_grad)
        else:
            self._walk_block(orelse.body.body, scope, loops, no_grad)
        merge_opposite_switches(scope.events, start, middle)

    def _disables_grad(self, expression: cst.BaseExpression) -> bool:
        if type(expression) is cst.Call:
            name = qualified_name(expression.func, self.aliases) or ""
            if name in NO_GRAD_CONTEXTS:
                return True
            if name in ("torch.set_grad_enabled", "torch.autograd.set_grad_enabled") and expression.args:
                value = expression.args[0].value
                return type(value) is cst.Name and value.value == "False"
        return False

    def _events(self, node: cst.CSTNode, scope: Scope, loops: tuple[int, ...], no_grad: bool) -> None:
        calls = list(iter_calls(node))
        # Innermost calls run first: `model(x).argmax()` calls the model before argmax.
        for call in reversed(calls):
            event = call_event(call, scope, loops, no_grad, self.models, self.local_functions)
            if event is not None:
                if type(node) is cst.Expr and node.value is call:
                    event = dataclasses.replace(event, discarded=True)
                elif type(node) is cst.Assign and node.value is call and event.kind == MODEL_CALL \
                        and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
                    self.bound[id(event)] = node.targets[0].target.value
                scope.events.append(event)

