"""Refuse input that no database column can hold, before any operation sees it.

PostgreSQL text cannot contain NUL (0x00), and its integer ids stop at 2**31 - 1; either would fail
deep inside a query as a server error. A NUL gets a client error naming the parameter instead, and
an id too large for any row matches no route: 404, as for any other id that does not exist. A number
in a query string, a form or a CLI argument is read by `whole_number` (422 / one CLI line when out of
range), and every JSON body is parsed strictly (`StrictJSONProvider`: no NaN, no lone surrogates ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from processes.errors import InvalidFormData
from processes.json_values import parse_client_json

NUL = "\x00"
MAX_ID = 2**31 - 1  # the largest value of an INTEGER column, the ids of every table


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number from 0 that a database id can be."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max)


def parse_whole_number(raw: str | None, lowest: int = 1, highest: int = MAX_ID) -> int | None:
    """The number in `raw` (surrounding spaces allowed), None when it is empty; ValueError (saying what is
    allowed) unless it is ASCII digits from `lowest` to `highest`. int() alone would take '٣', '1_000' or
    a 5,000-digit number, and a database id column overflows past 2**31 - 1."""
    text = (raw or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= len(str(highest)) and lowest <= int(text) <= highest:
        return int(text)
    raise ValueError(f"must be a whole number from {lowest} to {highest}")


def whole_number(raw: str | None, name: str, *, lowest: int = 1, highest: int = MAX_ID) -> int | None:
    """A number from a query string or form field (an id, a version, a page size): None when empty;
    InvalidFormData naming `name` when it is not one (see parse_whole_number)."""
    try:
        return parse_whole_number(raw, lowest, highest)
    except ValueError as err:
        raise InvalidFormData({name: f"{name} {err}"}) from None


def whole_numbers(raws: Iterable[str], name: str) -> list[int]:
    """Every value of a repeated field (`task_ids`), each an id; empty values are skipped."""
    numbers = (whole_number(raw, name) for raw in raws)
    return [n for n in numbers if n is not None]


class StrictJSONProvider(DefaultJSONProvider):
    """Every request.get_json() parses with processes.json_values.parse_client_json: a body with NaN, a
    lone surrogate, a number past 64 bits or nesting deep enough to exhaust the parser is a 422 naming the
    problem, not a 500 or a value that breaks the database later."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:  # the app's own use with parser options (an object_hook ...), never a request body
            return super().loads(s, **kwargs)
        return parse_client_json(s, "body")


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
