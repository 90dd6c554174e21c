"""The memory side of the sandbox: what a script run may take, and how large a case's data may grow.

One C call cannot be interrupted, so sandbox_limits bounds what each operation may build (MAX_ITEMS).
Between operations a Budget measures: the tracer checks it on every line of the script, and the guards
check it while they consume iterators. The measure is the process's resident memory (RSS), read from
/proc: the web server runs many threads, so no per-thread OS limit exists, and counting allocations
ourselves would miss the ones no guard sees (appends in a loop, comprehensions). RSS growth is the
whole process's, which makes the budget strict (another thread's allocation in the same milliseconds
counts too) but never lenient.
"""

from __future__ import annotations

import itertools
import math
import os
import resource
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

MB = 1024 * 1024
MAX_DEPTH = 64  # lists and dicts nested deeper than this in case data (or in text to build) are refused
_RSS_EVERY = 0.0005  # seconds between two reads of /proc: a line or an item costs ~50 ns, not ~1 us
_PAGE = os.sysconf("SC_PAGE_SIZE")
_statm: tuple[int, int] | None = None  # (pid, fd): a forked worker must not read its parent's numbers
_END: Any = object()


class ScriptStopped(BaseException):
    """Raised inside a run when its time or memory is up; a BaseException so no `except Exception`
    in a helper swallows it. The sandbox turns it into ScriptLimitExceeded."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooDeep(Exception):  # noqa: N818 - it says what the value is
    """A value nests lists or dicts deeper than MAX_DEPTH, or contains itself."""


class NotKeepable(Exception):  # noqa: N818 - it says what the value is
    """A value the case's stored state cannot hold (JSON with dates): a generator, bytes, NaN..."""


_KEEPABLE = (str, int, float, type(None), datetime, timedelta, list, tuple, set, dict)
_KEYS = (str, int, float, bool, type(None))


def _check_keepable(item: Any) -> None:
    if not isinstance(item, _KEEPABLE):
        raise NotKeepable(f"holds a value of type {type(item).__name__}, which case data cannot keep "
                          "(keep text, numbers, dates and times, lists or dicts)")
    if isinstance(item, float) and not math.isfinite(item):
        raise NotKeepable(f"holds {item}, which case data cannot keep (not a finite number)")
    if isinstance(item, dict):
        for key in item:
            if not isinstance(key, _KEYS):
                raise NotKeepable(f"has a key of type {type(key).__name__}; keys of case data are text or numbers")


def rss() -> int:
    """The resident memory of this process in bytes (its peak where /proc is missing)."""
    global _statm
    pid = os.getpid()
    try:
        if _statm is None or _statm[0] != pid:
            _statm = (pid, os.open("/proc/self/statm", os.O_RDONLY))
        return int(os.pread(_statm[1], 64, 0).split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Budget:
    """The time and memory one script or expression run may use.

    The memory is measured from the first check after _RSS_EVERY: a condition or a short script ends
    before that and costs no system call; a long one has built at most one operation's worth by then."""

    __slots__ = ("time_limit", "memory_limit", "deadline", "start_rss", "next_rss", "mutated")

    def __init__(self, time_limit: float, memory_limit: int):
        self.time_limit, self.memory_limit = time_limit, memory_limit
        now = time.monotonic()
        self.deadline = now + time_limit
        self.next_rss = now + _RSS_EVERY
        self.start_rss: int | None = None
        self.mutated = False  # an expression called a method that changes a list, dict or set

    def check(self) -> None:
        now = time.monotonic()
        if now > self.deadline:
            raise ScriptStopped(f"script exceeded its time limit of {self.time_limit:g} s")
        if now >= self.next_rss:
            self.next_rss = now + _RSS_EVERY
            if self.start_rss is None:
                self.start_rss = rss()
                return
            grown = rss() - self.start_rss
            if grown > self.memory_limit:
                raise ScriptStopped(f"script exceeded its memory limit: it took {grown // MB} MB "
                                    f"(limit {self.memory_limit // MB} MB)")


_local = threading.local()


def current() -> Budget | None:
    """The budget of the run on this thread, if a script is running."""
    return getattr(_local, "budget", None)


def enter(budget: Budget | None) -> Budget | None:
    """Make `budget` this thread's current one; returns the previous one to restore."""
    previous = current()
    _local.budget = budget
    return previous


def check() -> None:
    budget = current()
    if budget is not None:
        budget.check()


def mark_mutated() -> None:
    budget = current()
    if budget is not None:
        budget.mutated = True


def _leaf_size(item: Any) -> int:
    """The size of a value that holds no others; -1 for a container."""
    if isinstance(item, str | bytes):
        return len(item) + 3
    if isinstance(item, bool | float) or item is None:
        return 24
    if isinstance(item, int):
        return item.bit_length() // 3 + 2  # decimal digits, generously
    if isinstance(item, dict | list | tuple | set | frozenset):
        return -1
    return 64  # dates, functions: what str() makes of them is short


def size_of(value: Any, limit: int, *, keepable: bool = False) -> int:
    """About len(json.dumps(value, default=str)), or of str(value): counted only until it passes `limit`,
    so a list holding the same megabyte string a million times costs a few steps, not a terabyte.
    `keepable`: raise NotKeepable for what the case's stored state cannot hold."""
    total = _leaf_size(value)
    if total >= 0 and not keepable:
        return total
    total = 0
    stack: list[Iterator[Any]] = [iter((value,))]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            continue
        if keepable:
            _check_keepable(item)
        size = _leaf_size(item)
        if size < 0:
            if len(stack) > MAX_DEPTH:
                raise TooDeep(f"nested deeper than {MAX_DEPTH} levels (or contains itself)")
            size = 2 + 2 * len(item)
            stack.append(itertools.chain.from_iterable(item.items()) if isinstance(item, dict) else iter(item))
        total += size
        if total > limit:
            break
    return total
