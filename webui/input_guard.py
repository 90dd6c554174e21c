"""Refuse input that no database column can hold, before any operation sees it.

PostgreSQL text cannot contain NUL (0x00), and its integer ids stop at 2**31 - 1; either would fail
deep inside a query as a server error. A NUL gets a client error naming the parameter instead, and
an id too large for any row matches no route: 404, as for any other id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import current_app, request
from werkzeug.routing import IntegerConverter

from processes.errors import InvalidFormData

NUL = "\x00"
MAX_ID = 2**31 - 1  # the largest value of an INTEGER column, the ids of every table


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number from 0 that a database id can be."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max)


View = TypeVar("View", bound=Callable[..., Any])


def body_limit(max_bytes: int) -> Callable[[View], View]:
    """Let one view accept a larger body than MAX_CONTENT_LENGTH (the portal's photo upload)."""
    def mark(view: View) -> View:
        view.max_content_length = max_bytes  # type: ignore[attr-defined]
        return view
    return mark


def apply_body_limit() -> None:
    """A before_request hook, ahead of anything that reads the form (CSRF, the NUL check)."""
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_content_length", None)
    if limit is not None:
        request.max_content_length = limit


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
