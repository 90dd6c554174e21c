"""The builtins and guards of the sandbox that build containers and text: each checks the size first.

`list(zip(*[l] * 1000))`, `sum(lists, [])`, `str([s] * 10**6)`, `[*l, *l]` or `l[:0] = l` are each one C
call that would build gigabytes; here they are refused past MAX_ITEMS, and iterators are consumed in
Python where the run's budget is checked on every item.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from RestrictedPython import Guards, PrintCollector

from .sandbox_limits import MAX_ITEMS, GuardedType, check_text, materialize, refuse
from .sandbox_memory import check


class _Checked:
    """An iterator that checks the run's budget on every item: zip and map over many big lists are
    consumed by C calls (list(), set.update) that the tracer never interrupts."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterator[Any]):
        self._items = items

    def __iter__(self) -> _Checked:
        return self

    def __next__(self) -> Any:
        check()
        return next(self._items)


def _zip(*iterables: Any, strict: bool = False) -> _Checked:
    return _Checked(zip(*iterables, strict=strict))


def _map(function: Callable[..., Any], *iterables: Any) -> _Checked:
    return _Checked(map(function, *iterables))


def _sum(items: Iterable[Any], start: Any = 0) -> Any:
    # Adding lists or strings is quadratic in one C call; numbers and durations are what sum() is for.
    if not isinstance(start, int | float | complex | Decimal | timedelta):
        raise TypeError("sum() adds numbers; join text with ''.join() and lists with a comprehension")
    return sum(materialize(items), start)


def _text(kind: type[str] | Callable[[Any], str]) -> Callable[..., str]:
    def make(*args: Any, **kwargs: Any) -> str:
        if len(args) == 1 and not kwargs:
            check_text(args[0], f"{getattr(kind, '__name__', 'str')}()")
        return kind(*args, **kwargs)

    return make


def _dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    if args and not isinstance(args[0], Mapping):
        return dict(materialize(args[0]), **kwargs)
    return dict(*args, **kwargs)


def _sorted(items: Iterable[Any], **kwargs: Any) -> list[Any]:
    return sorted(materialize(items), **kwargs)


def _collection(kind: type) -> Callable[..., Any]:
    def make(*args: Any) -> Any:
        return kind(materialize(args[0])) if args else kind()

    return make


def star(items: Any) -> Any:
    """`f(*items)`: the arguments, at most MAX_ITEMS of them."""
    return materialize(items)


def display(kind: str, *parts: Any) -> Any:
    """`[a, *b, *c]`, `(*b, c)`, `{*b}`: the parts' lengths are added up before anything is copied."""
    sized = [materialize(part) for part in parts]
    size = sum(len(part) for part in sized)
    if size > MAX_ITEMS:
        raise refuse("unpacking with *", size)
    items = [item for part in sized for item in part]
    return tuple(items) if kind == "tuple" else set(items) if kind == "set" else items


class _ListWriter:
    """The write guard's view of a list: `l[:0] = l` may not grow it past MAX_ITEMS."""

    __slots__ = ("_target",)

    def __init__(self, target: list[Any]):
        self._target = target

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = materialize(value)
            removed = len(range(*key.indices(len(self._target))))
            if len(self._target) - removed + len(value) > MAX_ITEMS:
                raise refuse("slice assignment", len(self._target) - removed + len(value))
        self._target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._target[key]


def write_guard(target: Any) -> Any:
    """RestrictedPython's full write guard (plain dicts and lists writable, nothing else), lists checked."""
    return _ListWriter(target) if type(target) is list else Guards.full_write_guard(target)


class BoundedPrint(PrintCollector):
    """print() in a script: what it prints goes to the log, at most MAX_ITEMS characters in all."""

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        check_text((objects, self.txt, kwargs.get("end"), *[kwargs.get("sep")] * len(objects)), "print()")
        super()._call_print(*objects, **kwargs)


GUARDED_BUILTINS: dict[str, Any] = {
    "str": GuardedType(str, _text(str)),
    "repr": _text(repr),
    "list": GuardedType(list, _collection(list)),
    "tuple": GuardedType(tuple, _collection(tuple)),
    "set": GuardedType(set, _collection(set)),
    "frozenset": GuardedType(frozenset, _collection(frozenset)),
    "dict": GuardedType(dict, _dict),
    "sorted": _sorted,
    "sum": _sum,
    "zip": _zip,
    "map": _map,
}
