"""`onestop group add|list`: the CSU and the offices that lanes and start_groups name (run as the system)."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session

from processes import admin
from processes.models import GROUP_KINDS


@click.group("group")
def group_group() -> None:
    """Groups: the CSU and the offices."""


@group_group.command("add")
@click.argument("name")
@click.option("--title", required=True, help="The name people read, e.g. 'Building permits'")
@click.option("--kind", type=click.Choice(GROUP_KINDS), default="office", show_default=True)
@click.option("--email", default="", help="The group's shared mailbox (optional)")
@click.pass_obj
def add(ctx: Any, name: str, title: str, kind: str, email: str) -> None:
    """Create group NAME (lower case letters, digits and _); tasks reach it through that name."""
    ctx.run(lambda s: admin.create_group(s, None, name, title=title, kind=kind, email=email))
    click.echo(f"group {name} added")


@group_group.command("list")
@click.pass_obj
def list_groups(ctx: Any) -> None:
    """Every group: name, kind, members, title."""

    def work(session: Session) -> list[tuple[str, str, int, bool, str]]:
        return [(g.name, g.kind, len(g.memberships), g.active, g.title) for g in admin.list_groups(session, None)]

    for name, kind, members, active, title in ctx.run(work):
        state = "" if active else "  (inactive)"
        click.echo(f"{name:<20} {kind:<7} {members:>3} members  {title}{state}")
