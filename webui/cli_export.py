"""`onestop export xes|csv [--out FILE]`: the event log for process mining (processes/eventlog.py)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import click

from processes.db import DatabaseUnavailable
from processes.errors import DomainError
from processes.eventlog import export
from processes.metrics_filters import Filters


@click.command("export")
@click.argument("fmt", metavar="xes|csv", type=click.Choice(["xes", "csv"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output)")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only requests received on or after this date")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only requests received on or before this date")
@click.pass_obj
def export_command(ctx: Any, fmt: str, out: Path | None, start: Any, end: Any) -> None:
    """Write the event log as XES (IEEE 1849) or CSV, streamed: any size fits in memory."""
    filters = Filters(start=_day(start), end=_day(end))
    try:
        with ctx.db.sessions() as session:
            chunks = export(session, None, filters, fmt)
            if out is None:
                for chunk in chunks:
                    click.echo(chunk, nl=False)
                return
            partial = out.with_name(out.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as file:
                for chunk in chunks:
                    file.write(chunk)
            os.replace(partial, out)  # a reader never sees half a log under the final name
    except (DomainError, DatabaseUnavailable) as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"event log written to {out}", err=True)


def _day(value: Any) -> date | None:
    return value.date() if value is not None else None
