"""What a JSON value must be before OneStop keeps it: case data, task data, scenario data, API bodies.

Both backends store case data as JSON, and each breaks differently on what Python's json lets
through: SQLite keeps `NaN` as text that no JSON function can read again (so every search over case
data fails from then on), PostgreSQL refuses it, a lone surrogate or a NUL in a `jsonb` value, and
numbers past 64 bits do not survive a round trip through SQLite. So every entry checks values here,
once, before any operation stores them; the database engine's JSON serializer checks again as a last
line (processes/db.py), so a value no entry caught fails its transaction instead of being stored.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidFormData
from .texts import Text

MAX_DEPTH = 64  # objects and lists inside each other: as deep as the sandbox lets a script's data go
STORED_DEPTH = 200  # the engine's state wraps case data in a few levels of its own; deeper cannot be read back
MIN_INT, MAX_INT = -(2**63), 2**63 - 1  # what SQLite keeps as an integer (beyond: a lossy float)
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")  # NUL, and surrogates (only lone ones survive json.loads)


def json_value_problem(value: Any, *, max_depth: int = MAX_DEPTH) -> str | None:
    """Why `value` may not be stored as JSON ("at x.y: ..."), or None when it may.

    Walks without recursion, so a deeply nested value cannot exhaust the stack."""
    pending: list[tuple[Any, str, int]] = [(value, "", 0)]
    while pending:
        item, path, depth = pending.pop()
        problem = _scalar_problem(item)
        if problem is None and isinstance(item, Mapping | list | tuple):
            if depth >= max_depth:
                problem = f"nested more than {max_depth} levels deep"
            elif isinstance(item, Mapping):
                for key, child in item.items():
                    if not isinstance(key, str):
                        return f"{_where(path)}keys must be text"
                    if _BAD_TEXT.search(key):
                        return f"{_where(path)}a key {_TEXT_PROBLEM}"
                    pending.append((child, f"{path}.{_segment(key)}" if path else _segment(key), depth + 1))
            else:
                pending.extend((child, f"{path}[{n}]", depth + 1) for n, child in enumerate(item))
        if problem is not None:
            return f"{_where(path)}{problem}"
    return None


_TEXT_PROBLEM = "contains a NUL (0x00) character or an unpaired surrogate (not valid Unicode)"


def _scalar_problem(item: Any) -> str | None:
    if item is None or isinstance(item, bool):
        return None
    if isinstance(item, str):
        return _TEXT_PROBLEM if _BAD_TEXT.search(item) else None
    if isinstance(item, int):
        return None if MIN_INT <= item <= MAX_INT else "whole numbers must fit in 64 bits"
    if isinstance(item, float):
        return None if math.isfinite(item) else "numbers must be finite (no NaN or Infinity)"
    if isinstance(item, Mapping | list | tuple):
        return None
    return f"{type(item).__name__} is not a JSON value"


def _where(path: str) -> str:
    return f"at {path}: " if path else ""


def _segment(key: str) -> str:
    """A key as the error names it: as typed, or quoted with escapes when it holds a line break or the like,
    so the message stays one line (the CLI promises one)."""
    return key[:40] if key[:40].isprintable() else json.dumps(key[:40])


def check_json_value(value: Any, field: str = "data", *, max_depth: int = MAX_DEPTH) -> None:
    """InvalidFormData naming `field` when `value` may not be stored (see json_value_problem)."""
    problem = json_value_problem(value, max_depth=max_depth)
    if problem is not None:
        raise InvalidFormData({field: problem})


def check_case_data(data: Any, field: str = "data") -> None:
    """The rule for data a client hands a case (start data, a task's form data, a scenario): valid JSON
    values, nested at most MAX_DEPTH levels. Every entry (REST, CLI, forms, portal, Open311, test runs)
    comes through here; the size limit they share with scripts is processes.start_data.check_data_size."""
    check_json_value(data, field)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_client_json(text: str | bytes, field: str = "body") -> Any:
    """Parse JSON from a client strictly: no NaN/Infinity, no nesting past the parser's stack, and only
    values check_json_value accepts (at any depth up to STORED_DEPTH); InvalidFormData otherwise."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidFormData({field: Text("the JSON is nested too deeply")}) from None
    except UnicodeDecodeError:
        raise InvalidFormData({field: Text("the JSON is not UTF-8 text")}) from None
    except json.JSONDecodeError as err:
        raise InvalidFormData({field: Text("not valid JSON: %(msg)s (line %(lineno)s, column %(colno)s)",
                                           msg=err.msg, lineno=err.lineno, colno=err.colno)}) from None
    except ValueError as err:  # NaN, Infinity; or an integer of more than 4300 digits
        raise InvalidFormData({field: Text("not valid JSON: %(err)s", err=err)}) from None
    check_json_value(value, field, max_depth=STORED_DEPTH)
    return value


# In json.dumps' (ASCII) output, once NaN and Infinity raised, only these can mark a value the walk would
# refuse: a NUL or surrogate escape, or a run of 19 digits (64 bits hold 19). Ordinary data has none. Plain
# substring tests on the text with its digits made zeros: a regular expression costs five times json.dumps.
_ZEROS = bytes.maketrans(b"123456789", b"000000000")


def _suspect(text: str) -> bool:
    return "\\u0000" in text or "\\ud" in text or b"0" * 19 in text.encode("ascii").translate(_ZEROS)


def stored_json(value: Any) -> tuple[str | None, str | None]:
    """(the JSON text, None), or (None, why the value may not be stored): what json_value_problem refuses,
    except nesting that json itself writes and reads back (up to its recursion limit).

    Every step stores the case's state this way, so the common case costs what json.dumps costs: its C
    encoder refuses NaN and Infinity, and json_value_problem walks the value only when the text holds a
    suspect escape or a long run of digits (the walk then decides; a literal backslash-u0000 is fine)."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (ValueError, TypeError, RecursionError):
        return None, json_value_problem(value, max_depth=STORED_DEPTH) or "it is nested too deeply"
    if _suspect(text):
        problem = json_value_problem(value, max_depth=STORED_DEPTH)
        if problem is not None:
            return None, problem
    return text, None


def dumps_for_storage(value: Any) -> str:
    """The database engine's JSON serializer: json.dumps, refusing what check_json_value refuses.

    A ValueError here fails the flush; it is the last line, behind the checks at every entry."""
    text, problem = stored_json(value)
    if text is None:
        raise ValueError(f"refusing to store a JSON value: {problem}")
    return text
