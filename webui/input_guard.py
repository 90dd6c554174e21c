"""Refuse input that no database column can hold, before any operation sees it.

PostgreSQL text cannot contain NUL (0x00); such a value would fail deep inside a query as a
server error. A client sending one gets a client error naming the parameter instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import request

from processes.errors import InvalidFormData

NUL = "\x00"


def reject_nul_bytes() -> None:
    """A before_request hook: InvalidFormData for a NUL in the path, query, form or JSON body."""
    sources: list[Iterable[tuple[str, Any]]] = [
        (request.view_args or {}).items(), request.args.items(multi=True), request.form.items(multi=True)]
    body = request.get_json(silent=True) if request.is_json else None
    if body is not None:
        sources.append([("body", body)])
    for source in sources:
        for name, value in source:
            if _contains_nul(name) or _contains_nul(value):
                raise InvalidFormData({_printable(name): "text may not contain NUL (0x00) characters"})


def _contains_nul(value: Any) -> bool:
    """Walks nested lists and objects without recursion, so deep JSON cannot exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _printable(name: str) -> str:
    return name.replace(NUL, "\\0")[:100]
