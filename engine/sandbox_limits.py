"""Size limits for the sandbox's string building: one C call must not allocate gigabytes.

The time limit cannot stop a single C call, so `'x'.ljust(10**9)`, `'%*d' % (10**9, 1)` or
`f"{x:>1000000000}"` would take a gigabyte before the tracer looks again. These helpers check the
size a call would produce before making it; sandbox.py routes attribute access, `%` and f-string
format specs through them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from RestrictedPython import Guards

MAX_ITEMS = 1_000_000  # longest str/list/tuple/range that one operation may build
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC_NUMBERS = re.compile(r"\d+")


class ScriptLimitExceeded(Exception):
    """The script ran past its time limit, or asked for a value too large to build."""


def refuse(what: str, size: int) -> ScriptLimitExceeded:
    return ScriptLimitExceeded(f"script exceeded its size limit: {what} would make {size} items (limit {MAX_ITEMS})")


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
    return 0


def _bounded_method(text: str | bytes, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if name == "join":
            parts = list(args[0]) if args else []
            size = sum(len(p) for p in parts if isinstance(p, str | bytes)) + len(text) * max(len(parts) - 1, 0)
            if size > MAX_ITEMS:
                raise refuse(f".{name}()", size)
            return method(parts)
        size = _predicted(name, text, args)
        if size > MAX_ITEMS:
            raise refuse(f".{name}()", size)
        return method(*args, **kwargs)

    return call


_GROWING = _WIDTH_METHODS | {"expandtabs", "replace", "join"}


def bounded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """RestrictedPython's safer getattr; text methods that can grow a string check the size first."""
    value = Guards.safer_getattr_raise(obj, name, *default)
    if name not in _GROWING:
        return value
    if isinstance(obj, str | bytes):
        return _bounded_method(obj, name, value)
    if isinstance(obj, type) and issubclass(obj, str | bytes):  # str.ljust(text, n): the text comes first
        return lambda text, *args: bounded_getattr(text, name)(*args)
    return value


def check_percent(template: str | bytes, args: Any) -> None:
    """`template % args` with a width or precision past MAX_ITEMS is refused before it is built."""
    fields = template.decode("latin-1") if isinstance(template, bytes) else template
    values = args if isinstance(args, tuple) else (args,)
    for match in _PERCENT_FIELD.finditer(fields):
        for group in match.groups():
            if group == "*":
                if any(isinstance(v, int) and abs(v) > MAX_ITEMS for v in values):
                    raise refuse("% with a * width", max(abs(v) for v in values if isinstance(v, int)))
            elif group and int(group) > MAX_ITEMS:
                raise refuse("% with that width", int(group))


def formatted(value: Any, conversion: int, spec: str) -> str:
    """An f-string field `{value!conversion:spec}`; a width or precision past MAX_ITEMS is refused."""
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
