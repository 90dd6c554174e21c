"""`onestop api-key create|list|revoke`: keys for Open311 and REST clients (run as the system)."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session

from processes import apikeys, users

from .cli_args import ID


@click.group("api-key")
def api_key_group() -> None:
    """API keys for Open311 and REST clients."""


@api_key_group.command("create")
@click.option("--name", required=True, help="Who uses the key (an app, an integration)")
@click.option("--user", "username", default=None,
              help="Bind the key to this user: it then acts with the user's rights in the REST API")
@click.pass_obj
def create(ctx: Any, name: str, username: str | None) -> None:
    """Create a key and print it (stdout, one line). It is shown only now: only its hash is kept."""

    def work(session: Session) -> tuple[int, str]:
        user = users.find_user(session, username) if username else None
        key, plaintext = apikeys.create_api_key(session, None, name, user)
        return key.id, plaintext

    key_id, plaintext = ctx.run(work)
    click.echo(plaintext)
    whose = f"acting as {username}" if username else "app key: Open311 only"
    click.echo(f"api key {key_id} '{name}' ({whose}); store it now, it is not shown again", err=True)


@api_key_group.command("list")
@click.pass_obj
def list_keys(ctx: Any) -> None:
    """Every key: id, state, user, last use, name."""
    rows = ctx.run(lambda s: [(k.id, k.active, k.user.username if k.user else "-", k.last_used_at, k.name)
                              for k in apikeys.list_api_keys(s, None)])
    for key_id, active, username, used, name in rows:
        click.echo(f"{key_id:>5}  {'active ' if active else 'revoked'}  {username:<16} "
                   f"{used.isoformat(timespec='seconds') if used else 'never used':<26} {name}")


@api_key_group.command("revoke")
@click.argument("key_id", type=ID)
@click.pass_obj
def revoke(ctx: Any, key_id: int) -> None:
    """Switch a key off for good."""
    ctx.run(lambda s: apikeys.revoke_api_key(s, None, key_id))
    click.echo(f"api key {key_id} revoked")
