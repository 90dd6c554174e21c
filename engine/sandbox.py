"""The sandbox for analysts' scripts and expressions (script tasks, conditions, DMN, service parameters).

SpiffWorkflow's own environment is plain exec/eval: a script may `import os`, and trimming
`__builtins__` alone is escapable through `().__class__.__bases__[0].__subclasses__()`. Here the source
is compiled by RestrictedPython (no imports, no names or attributes starting with "_"), runs against a
short whitelist of builtins, and is stopped by a trace function once its time or memory is up
(sandbox_memory). Every operation that can grow a value checks the size it would make first
(sandbox_limits, sandbox_builtins), and the task data a script leaves behind has a size limit.
"""

from __future__ import annotations

import ast
import functools
import logging
import operator
import re
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from types import CodeType, FrameType
from typing import Any

from RestrictedPython import Guards, PrintCollector, compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .sandbox_builtins import GUARDED_BUILTINS, BoundedPrint, display, star, write_guard
from .sandbox_limits import (
    MAX_ITEMS,
    ScriptLimitExceeded,
    bounded_getattr,
    check_data,
    check_percent,
    formatted,
    join_text,
    materialize,
)
from .sandbox_memory import MB, Budget, ScriptStopped, enter

FILENAME = "<string>"  # SpiffWorkflow looks for this name in a traceback to report the failing line
MAX_INT_BITS = 100_000  # largest int that `*`, `**` or `<<` may build in one C call
REFUSED_CALLS = frozenset({"open", "compile", "globals", "locals", "vars", "dir", "type", "input",
                           "exit", "quit", "help", "memoryview", "super", "object", "setattr", "delattr"})
_REFUSED_STATEMENTS: dict[type[ast.AST], str] = {
    ast.Import: "import", ast.ImportFrom: "import", ast.ClassDef: "class definition",
    ast.Try: "try/except", ast.TryStar: "try/except", ast.With: "with",
}
_BOUNDED_OPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<",
                                               ast.Mod: "%"}
_BINARY: dict[str, Callable[[Any, Any], Any]] = {"+": operator.add, "*": operator.mul, "**": operator.pow,
                                                 "<<": operator.lshift, "%": operator.mod}
_SEQUENCES = (str, bytes, list, tuple)
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "&=": operator.iand, "^=": operator.ixor, "|=": operator.ior,
    "@=": operator.imatmul,
}
log = logging.getLogger(__name__)


class ScriptRejected(SyntaxError):
    """The source does not compile, or uses what scripts may not (a SyntaxError so Spiff finds the line)."""

    def __str__(self) -> str:  # the message already says "Line N"; SyntaxError would add "(line N)"
        return str(self.msg)


def _located(new: ast.AST, old: ast.AST) -> Any:
    return ast.fix_missing_locations(ast.copy_location(new, old))


class _ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's rules plus ours. `try`, `with` and classes are refused because each could
    catch or outlive the time-limit exception (the tracer is gone once it has fired)."""

    def visit(self, node: ast.AST) -> Any:
        refused = _REFUSED_STATEMENTS.get(type(node))
        if refused:
            self.error(node, f"{refused} is not allowed in scripts")
        return super().visit(node)

    def visit_Call(self, node: ast.Call) -> Any:
        """`f(*items)`: the items are counted (_star_) before C unpacks them."""
        if isinstance(node.func, ast.Name) and node.func.id in REFUSED_CALLS:
            self.error(node, f"{node.func.id}() is not allowed in scripts")
        call = super().visit_Call(node)
        for arg in call.args if isinstance(call, ast.Call) else []:
            if isinstance(arg, ast.Starred):
                arg.value = _located(ast.Call(ast.Name("_star_", ast.Load()), [arg.value], []), arg)
        return call

    def _display(self, node: ast.List | ast.Tuple | ast.Set, kind: str) -> ast.AST:
        """`[a, *b, *c]` goes through _display_, which adds up the parts before they are copied."""
        node = self.node_contents_visit(node)
        stored = not isinstance(getattr(node, "ctx", ast.Load()), ast.Load)  # `a, *b = items` unpacks
        if stored or not any(isinstance(e, ast.Starred) for e in node.elts):
            return node
        parts: list[ast.expr] = [e.value if isinstance(e, ast.Starred) else ast.Tuple([e], ast.Load())
                                 for e in node.elts]
        return _located(ast.Call(ast.Name("_display_", ast.Load()), [ast.Constant(kind), *parts], []), node)

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._display(node, "list")

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._display(node, "tuple")

    def visit_Set(self, node: ast.Set) -> ast.AST:
        return self._display(node, "set")

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """`+`, `*`, `**`, `<<` and `%` go through _binop_, which refuses memory bombs like 'x' * 10**9
        or `s + s` past MAX_ITEMS."""
        node = self.node_contents_visit(node)
        symbol = _BOUNDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        args: list[ast.expr] = [ast.Constant(symbol), node.left, node.right]
        return _located(ast.Call(ast.Name("_binop_", ast.Load()), args, []), node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        """An f-string becomes _join_text_((_formatted_(x, conversion, spec), "text", ...)): each field's
        text and width, then the total length, are checked before they are built (`f"{s}{s}"` doubles)."""
        node = self.node_contents_visit(node)  # a nested format spec is a JoinedStr: it is a call by now
        parts: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                spec = value.format_spec if value.format_spec is not None else ast.Constant("")
                args: list[ast.expr] = [value.value, ast.Constant(value.conversion), spec]
                parts.append(_located(ast.Call(ast.Name("_formatted_", ast.Load()), args, []), value))
            else:
                parts.append(value)
        return _located(ast.Call(ast.Name("_join_text_", ast.Load()), [ast.Tuple(parts, ast.Load())], []), node)

    def visit_While(self, node: ast.While) -> ast.AST:
        """`while True: pass` compiles to a lone backward jump, which raises no 'line' trace event;
        a name load at the top of every loop body gives the tracer its chance."""
        node = self.node_contents_visit(node)
        node.body.insert(0, _located(ast.Expr(ast.Name("_tick_", ast.Load())), node))
        return node


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> tuple[CodeType | None, str | None]:
    # Cached by source text: the same conditions run for every case and every step.
    if mode == "eval":
        result = compile_restricted_eval(source.strip(), FILENAME, policy=_ScriptPolicy)
    elif mode == "exec":
        result = compile_restricted_exec(source, FILENAME, policy=_ScriptPolicy)
    else:
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    return result.code, "; ".join(result.errors) or None


def check_syntax(source: str, mode: str) -> str | None:
    """Why `source` cannot run in the sandbox ("Line N: ..."), or None; the validator calls it at deploy."""
    return _compile(source, mode)[1]


def _compiled(source: str, mode: str) -> CodeType:
    code, error = _compile(source, mode)
    if code is None:
        rejected = ScriptRejected(error or "script does not compile")
        found = re.search(r"Line (\d+)", error or "")
        # Spiff indexes the script's lines with this number: keep it inside the script.
        rejected.lineno = min(int(found.group(1)), len(source.splitlines())) if found else 0
        raise rejected
    return code


def _check_size(op: str, left: Any, right: Any) -> None:
    if op == "+":
        if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES) and len(left) + len(right) > MAX_ITEMS:
            raise ScriptLimitExceeded(
                f"script exceeded its size limit: + would make {len(left) + len(right)} items (limit {MAX_ITEMS})")
        return
    if op == "%":
        if isinstance(left, str | bytes):
            check_percent(left, right)
        return
    if isinstance(left, int) and isinstance(right, int):
        if op == "**":
            bits = left.bit_length() * max(right, 0) if abs(left) > 1 else 0
        elif op == "<<":
            bits = left.bit_length() + right if left else 0
        else:
            bits = left.bit_length() + right.bit_length() if op == "*" else 0
        if bits > MAX_INT_BITS:
            raise ScriptLimitExceeded(
                f"script exceeded its size limit: {op} would make a number of about {bits} bits "
                f"(limit {MAX_INT_BITS})")
    elif op == "*":
        for seq, times in ((left, right), (right, left)):
            sized = isinstance(seq, str | bytes | list | tuple) and isinstance(times, int)
            if sized and len(seq) * times > MAX_ITEMS:
                raise ScriptLimitExceeded(
                    f"script exceeded its size limit: * would make {len(seq) * times} items "
                    f"(limit {MAX_ITEMS})")


def _binop(op: str, left: Any, right: Any) -> Any:
    _check_size(op, left, right)
    return _BINARY[op](left, right)


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    if op == "+=" and isinstance(target, list):  # `l += anything iterable` extends the list in place
        value = materialize(value)
        if len(target) + len(value) > MAX_ITEMS:
            raise ScriptLimitExceeded(
                f"script exceeded its size limit: += would make {len(target) + len(value)} items (limit {MAX_ITEMS})")
    _check_size(op[:-1], target, value)
    return _INPLACE[op](target, value)


def _range(*args: int) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:
        size = sys.maxsize
    if size > MAX_ITEMS:
        raise ScriptLimitExceeded(
            f"script exceeded its size limit: range of {size} numbers (limit {MAX_ITEMS})")
    return numbers


def _allowed_builtin(name: str, value: Any) -> bool:
    # SystemExit and friends would pass Spiff's `except Exception` and stop a worker or a request thread.
    if isinstance(value, type) and issubclass(value, BaseException):
        return issubclass(value, Exception)
    return name not in {"__build_class__", "pow", "_getattr_", "setattr", "delattr"}


BUILTINS: dict[str, Any] = {
    **{name: value for name, value in Guards.safe_builtins.items() if _allowed_builtin(name, value)},
    "len": len, "min": min, "max": max, "reversed": reversed, "any": any, "all": all, "enumerate": enumerate,
    "filter": filter, "range": _range, "getattr": bounded_getattr, "datetime": datetime, "date": date,
    "timedelta": timedelta, **GUARDED_BUILTINS,
}
_GUARDS: dict[str, Any] = {
    "__builtins__": BUILTINS,
    "_getattr_": bounded_getattr,  # safer_getattr_raise (a missing attribute raises), text methods bounded
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": write_guard,  # plain dicts and lists are writable, attributes of anything else not
    "_inplacevar_": _inplacevar,
    "_binop_": _binop,
    "_formatted_": formatted,
    "_join_text_": join_text,
    "_display_": display,
    "_star_": star,
    "_iter_unpack_sequence_": Guards.guarded_iter_unpack_sequence,
    "_unpack_sequence_": Guards.guarded_unpack_sequence,
    "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),  # f(*a, **kw)
    "_print_": BoundedPrint,
    "_tick_": None,
}


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """SpiffWorkflow's TaskDataEnvironment semantics (scripts read and write the task data directly,
    helpers and functions are removed afterwards), run in the sandbox with a time limit, a memory
    budget (how much the process may grow while it runs) and a size limit on the task data it leaves."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, time_limit: float = 1.0,
                 memory_limit: int = 64 * MB, data_limit: int = MB):
        super().__init__(environment_globals=dict(helpers or {}))
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.data_limit = data_limit

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: Mapping[str, Any] | None = None) -> Any:
        code = _compiled(expression, "eval")
        value, budget = self._run(code, {**self.globals, **(external_context or {}), **context, **_GUARDS})
        if budget.mutated:  # `items.append(...)` in a condition changes the task data too
            check_data(context, self.data_limit)
        return value

    def execute(self, script: str, context: dict[str, Any],
                external_context: Mapping[str, Any] | None = None) -> bool:
        injected = {**self.globals, **(external_context or {})}
        clash = set(injected) & set(context)
        if clash:
            raise ValueError(f"task data overwrites helper function(s) {sorted(clash)}: "
                             "rename the variable or form field")
        code = _compiled(script, "exec")
        injected.update(_GUARDS)
        context.update(injected)
        try:
            self._run(code, context)
        finally:
            printed = context.get("_print")
            if isinstance(printed, PrintCollector) and printed():
                log.info("script printed: %s", printed())
            for key in [k for k, v in context.items() if k in injected or k == "_print" or callable(v)]:
                del context[key]
        check_data(context, self.data_limit)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service calls are dispatched by the engine, not the script environment")

    def _run(self, code: CodeType, scope: dict[str, Any]) -> tuple[Any, Budget]:
        """Trace only this thread and only script frames; a Flask request thread cannot use signals.
        The budget is checked on every line, and by the guards while C consumes an iterator."""
        budget = Budget(self.time_limit, self.memory_limit)

        def on_line(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                budget.check()
            return on_line

        def on_call(frame: FrameType, event: str, arg: Any) -> Any:
            return on_line if frame.f_code.co_filename == FILENAME else None

        previous, outer = sys.gettrace(), enter(budget)
        sys.settrace(on_call)
        try:
            return eval(code, scope), budget
        except ScriptStopped as stop:
            # Keep the script's frames so Spiff can name the line that was running.
            raise ScriptLimitExceeded(stop.message).with_traceback(stop.__traceback__) from None
        finally:
            sys.settrace(previous)
            enter(outer)
