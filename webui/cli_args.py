"""What every `onestop` command shares about its arguments: one line and exit 1 for a bad one, and ID."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from .input_guard import MAX_ID, parse_whole_number


def fail(message: str) -> NoReturn:
    """Bad input or a refused operation: one line on stderr, exit 1 (the CLI contract in DESIGN.md)."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


class DatabaseId(click.ParamType):
    """An argument naming a row (case, task, version number): a whole number a database id column holds.

    Out of range it is one line and exit 1, like every other bad input, not click's usage error."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        try:
            number = parse_whole_number(text)
            if number is None:
                raise ValueError(f"must be a whole number from 1 to {MAX_ID}")
        except ValueError as err:
            fail(f"{param.human_readable_name if param else 'value'} {err} (got {text[:40]!r})")
        return number


ID = DatabaseId()
