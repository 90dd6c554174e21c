"""`onestop diff`, `onestop retire` and `onestop migrate`: releasing versions from the command line."""

from __future__ import annotations

import sys

import click
from sqlalchemy.orm import Session

from processes import case_migration, releases
from processes.errors import DomainError
from processes.users import find_user

from .cli import Context, fail, main, pass_ctx
from .cli_args import ID


@main.command()
@click.argument("key")
@click.argument("old", type=ID)
@click.argument("new", type=ID)
@pass_ctx
def diff(ctx: Context, key: str, old: int, new: int) -> None:
    """What changed from version OLD to version NEW of process KEY ('+' added, '-' removed, '~' changed)."""
    changes = ctx.run(lambda s: [str(c) for c in releases.diff_versions(s, key, old, new)])
    for line in changes:
        click.echo(line)
    if not changes:
        click.echo(f"{key}: versions {old} and {new} are identical", err=True)


@main.command()
@click.argument("key")
@click.argument("version", type=ID)
@click.option("--user", "username", default=None)
@pass_ctx
def retire(ctx: Context, key: str, version: int, username: str | None) -> None:
    """Retire VERSION of process KEY: no new cases start on it; running cases go on."""

    def work(session: Session) -> None:
        releases.retire_version(session, find_user(session, username) if username else None, key, version)

    ctx.run(work)
    click.echo(f"{key} {version} retired")


def _plan_line(plan: case_migration.CasePlan, verdict: str) -> str:
    moves = ", ".join(f"{m.element_id} -> {m.target_element_id or '(none)'}" for m in plan.moves)
    why = f": {'; '.join(plan.problems)}" if plan.problems else ""
    return f"case {plan.case_id} {plan.business_key or ''} [{moves}] {verdict}{why}"


@main.command()
@click.argument("key")
@click.option("--from", "source", type=ID, required=True, help="Version the cases run on")
@click.option("--to", "target", type=ID, required=True, help="Version to move them to")
@click.option("--case", "case_ids", type=ID, multiple=True, help="Only these cases (repeatable)")
@click.option("--dry-run", is_flag=True, help="Only say where each case would land")
@click.option("--user", "username", default=None)
@pass_ctx
def migrate(ctx: Context, key: str, source: int, target: int, case_ids: tuple[int, ...], dry_run: bool,
            username: str | None) -> None:
    """Move open cases of KEY from one version to another, each case in its own transaction.

    Exits 1 when a case could not be moved (it is then left as it was)."""
    wanted = list(case_ids) or None
    if dry_run:
        plans = ctx.run(lambda s: case_migration.plan_case_migration(
            s, find_user(s, username) if username else None, key, source, target, wanted))
        for plan in plans:
            click.echo(_plan_line(plan, "can move" if plan.possible else "cannot move"))
        click.echo(f"{sum(p.possible for p in plans)} of {len(plans)} cases can move", err=True)
        return
    actor_id = ctx.run(lambda s: find_user(s, username).id) if username else None
    try:
        results = case_migration.migrate_cases(ctx.db, actor_id, key, source, target, wanted)
    except DomainError as err:
        fail(str(err))
    for result in results:
        click.echo(_plan_line(result, "moved" if result.moved else "not moved"))
    moved = sum(r.moved for r in results)
    click.echo(f"{moved} of {len(results)} cases moved to version {target}", err=True)
    if moved < len(results):
        sys.exit(1)
