"""Size limits for what one operation of a script may build: one C call must not allocate gigabytes.

The time and memory budget (sandbox_memory) is only checked between operations, so `'x'.ljust(10**9)`,
`'%*d' % (10**9, 1)`, `f"{x:>1000000000}"`, `str([s] * 10**6)` or `l.extend(l)` would take gigabytes
before anyone looks again. These helpers predict the size a call would produce and refuse it past
MAX_ITEMS; sandbox.py routes attribute access, `%`, f-strings and `str()` through them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from RestrictedPython import Guards

from .sandbox_memory import MB, NotKeepable, TooDeep, check, mark_mutated, size_of

MAX_ITEMS = 1_000_000  # longest str/list/tuple/range that one operation may build
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault", "add", "__setitem__"})
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC_NUMBERS = re.compile(r"\d+")


class ScriptLimitExceeded(Exception):
    """The script ran past its time limit, or asked for a value too large to build."""


def refuse(what: str, size: int) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"script exceeded its size limit: {what} would make {size} items (limit {MAX_ITEMS})")


_SIZED = (list, tuple, str, bytes, dict, set, frozenset, range)


def materialize(items: Any) -> Any:
    """`items` as something sized: a list, tuple, string... as it is, an iterator consumed here (at most
    MAX_ITEMS, the budget checked on every item) rather than by a C call no one can stop."""
    if isinstance(items, _SIZED):
        if len(items) > MAX_ITEMS:
            raise refuse("that", len(items))
        return items
    out = []
    for item in items:
        out.append(item)
        if len(out) > MAX_ITEMS:
            raise refuse("that", len(out))
        check()
    return out


class GuardedType:
    """A builtin type as scripts see it (list, str...): calling it goes through a guard, isinstance and
    attributes (str.upper) reach the type."""

    def __init__(self, kind: type, call: Callable[..., Any]):
        self.kind, self._call = kind, call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, self.kind)

    def __subclasscheck__(self, cls: type) -> bool:
        return issubclass(cls, self.kind)

    def __repr__(self) -> str:
        return repr(self.kind)


def check_text(value: Any, what: str) -> None:
    """Refuse to make text of `value` (str(), repr(), %s, an f-string field, print) past MAX_ITEMS."""
    try:
        size = size_of(value, MAX_ITEMS)
    except TooDeep as err:
        raise ScriptLimitExceeded(f"script exceeded its size limit: {what} of a value {err}") from None
    if size > MAX_ITEMS:
        raise refuse(what, size)


def check_data(data: dict[str, Any], limit: int) -> None:
    """The task data after a script: its JSON must stay under `limit` bytes, so no step stores megabytes
    that every later read of the case pays for. The error names the variable that tips it over."""
    problem = data_problem(data, limit)
    if problem is not None:
        raise ScriptLimitExceeded(f"variable '{problem[0]}' {problem[1]}")


def data_problem(data: Mapping[str, Any], limit: int) -> tuple[str, str] | None:
    """(key, why) for the first key of `data` that takes its JSON past `limit` bytes, nests too deep, or
    holds what the case's stored state cannot (a generator, bytes, NaN, a tuple as a key)."""
    total = 0
    for key, value in data.items():
        try:
            total += size_of(value, limit - total, keepable=True) + len(str(key)) + 4
        except TooDeep as err:
            return str(key), f"is {err}"
        except NotKeepable as err:
            return str(key), str(err)
        if total > limit:
            return str(key), f"takes the case data past its limit of {_amount(limit)}"
    return None


def _amount(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size / 1024:g} KB" if size >= 1024 else f"{size} bytes"


def _predicted(name: str, text: Any, args: tuple[Any, ...]) -> int:
    """The length the str/bytes method `name` would return, or 0 where it cannot grow the text."""
    if name in _WIDTH_METHODS:
        return int(args[0]) if args and isinstance(args[0], int) else 0
    if name == "expandtabs":
        size = int(args[0]) if args and isinstance(args[0], int) else 8
        return len(text) + text.count("\t" if isinstance(text, str) else b"\t") * max(size, 0)
    if name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        hits = text.count(old) if old else len(text) + 1
        if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
            hits = min(hits, args[2])
        return len(text) + hits * max(len(new) - len(old), 0)
    if name == "translate" and args and isinstance(args[0], dict) and isinstance(text, str):
        longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
        return len(text) * longest
    return 0


def _bounded_method(text: str | bytes, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if name == "join":
            parts = list(materialize(args[0])) if args else []
            size = sum(len(p) for p in parts if isinstance(p, str | bytes)) + len(text) * max(len(parts) - 1, 0)
            if size > MAX_ITEMS:
                raise refuse(f".{name}()", size)
            return method(parts)
        size = _predicted(name, text, args)
        if size > MAX_ITEMS:
            raise refuse(f".{name}()", size)
        return method(*args, **kwargs)

    return call


def _bounded_mutator(target: list[Any] | dict[Any, Any] | set[Any], name: str,
                     method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        mark_mutated()  # an expression changed the data: the sandbox checks its size afterwards
        if name == "extend" and args:
            items = args[0]
            items = materialize(items)
            if len(target) + len(items) > MAX_ITEMS:
                raise refuse(".extend()", len(target) + len(items))
            return method(items)
        return method(*args, **kwargs)

    return call


def _bounded_to_bytes(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(length: int = 1, *args: Any, **kwargs: Any) -> Any:
        if isinstance(length, int) and length > MAX_ITEMS:
            raise refuse(".to_bytes()", length)
        return method(length, *args, **kwargs)

    return call


_GROWING = _WIDTH_METHODS | {"expandtabs", "replace", "join", "translate"}
_GUARDED_NAMES = _GROWING | _MUTATORS | {"to_bytes"}


def bounded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """RestrictedPython's safer getattr; methods that can grow a value check the size first."""
    obj = obj.kind if isinstance(obj, GuardedType) else obj
    value = Guards.safer_getattr_raise(obj, name, *default)
    if name not in _GUARDED_NAMES:
        return value
    if isinstance(obj, str | bytes) and name in _GROWING:
        return _bounded_method(obj, name, value)
    if isinstance(obj, list | dict | set) and name in _MUTATORS:
        return _bounded_mutator(obj, name, value)
    if isinstance(obj, int) and name == "to_bytes":
        return _bounded_to_bytes(value)
    if isinstance(obj, type) and issubclass(obj, str | bytes | list | dict | set | int):
        # str.ljust(text, n), list.extend(items, more): the instance comes first
        return lambda target, *args, **kwargs: bounded_getattr(_instance(target, obj), name)(*args, **kwargs)
    return value


def _instance(target: Any, kind: type) -> Any:
    if not isinstance(target, kind):
        raise TypeError(f"expected a {kind.__name__}, not {type(target).__name__}")
    return target


def check_percent(template: str | bytes, args: Any) -> None:
    """`template % args` with a width or precision past MAX_ITEMS, or a result that long, is refused
    before it is built."""
    check_text((template, args), "%")
    fields = template.decode("latin-1") if isinstance(template, bytes) else template
    values = args if isinstance(args, tuple) else (args,)
    for match in _PERCENT_FIELD.finditer(fields):
        for group in match.groups():
            if group == "*":
                if any(isinstance(v, int) and abs(v) > MAX_ITEMS for v in values):
                    raise refuse("% with a * width", max(abs(v) for v in values if isinstance(v, int)))
            elif group and int(group) > MAX_ITEMS:
                raise refuse("% with that width", int(group))


def formatted(value: Any, conversion: int, spec: str = "") -> str:
    """An f-string field `{value!conversion:spec}`; a width, precision or text past MAX_ITEMS is refused."""
    check_text(value, "an f-string field")
    for number in _SPEC_NUMBERS.findall(spec):
        if int(number) > MAX_ITEMS:
            raise refuse("an f-string width", int(number))
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    return format(value, spec)


def join_text(parts: tuple[str, ...]) -> str:
    """An f-string's formatted fields and literal text, joined once their total length is known."""
    size = sum(len(p) for p in parts)
    if size > MAX_ITEMS:
        raise refuse("an f-string", size)
    return "".join(parts)
