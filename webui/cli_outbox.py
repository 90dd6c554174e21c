"""`onestop outbox [--json] [--state S]`: the citizen notifications and their state (run as the system)."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy.orm import Session

from processes.mailer import SmtpSettings
from processes.models import OUTBOX_STATES
from processes.outbox_admin import list_messages, message_dict

from .cli_args import ID


@click.command("outbox")
@click.option("--state", type=click.Choice(OUTBOX_STATES), default=None, help="Only messages in this state")
@click.option("--case", "case_id", type=ID, default=None, help="Only messages of this case")
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def outbox_command(ctx: Any, state: str | None, case_id: int | None, limit: int, as_json: bool) -> None:
    """Notifications, newest first: state, attempts, the last error."""
    try:
        settings = SmtpSettings.from_env()
    except ValueError as err:
        raise click.ClickException(str(err)) from err

    def work(session: Session) -> list[dict[str, Any]]:
        return [message_dict(m, settings) for m in list_messages(session, None, state=state, case_id=case_id,
                                                                 limit=limit)]

    rows = ctx.run(work)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    where = settings.describe() if settings is not None else "no SMTP configured: mail is kept here"
    click.echo(f"mail: {where}", err=True)
    for row in rows:
        case = f"case {row['case_id']}" if row["case_id"] else "-"
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        click.echo(f"{row['id']:>6}  {row['state']:<8} {row['attempts']:>2}x  {case:<11} {row['template']:<24} "
                   f"{row['to']}  {row['subject']}{error}")
