"""`onestop message` and `onestop signal`: deliver a BPMN message or signal to the cases waiting for it."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session

from processes import delivery

from .cli import Context, _actor, _json_arg, fail, main, pass_ctx


@main.command("message")
@click.argument("refs", nargs=-1, required=True, metavar="[CASE] NAME")
@click.option("--data", "raw", default=None, help="The message's payload as a JSON object")
@click.option("--user", "username", default=None, help="Deliver as this user (default: the system)")
@pass_ctx
def message_command(ctx: Context, refs: tuple[str, ...], raw: str | None, username: str | None) -> None:
    """Deliver message NAME to CASE (its id or business key, e.g. CR-2026-000123), which must wait for it.

    Without CASE, the message goes to the one case whose BPMN correlation values the payload carries,
    or, when no case waits for it so, starts a case of the process that starts with message NAME."""
    if len(refs) > 2:
        fail("give the message name, and before it the case if you know it: onestop message [CASE] NAME")
    data = _json_arg(raw)
    if len(refs) == 2:
        case_ref, name = refs

        def deliver(session: Session) -> str:
            case = delivery.send_message(session, _actor(session, username), case_ref, name, data)
            return f"message '{name}' delivered to case {case.id} ({case.business_key}); case {case.status}"

        click.echo(ctx.run(deliver))
        return

    def correlate(session: Session) -> str:
        found = delivery.correlate_message(session, _actor(session, username), refs[0], data)
        case = found.case
        if found.started:
            return f"message '{refs[0]}' started case {case.id} ({case.business_key}) of {case.process_key}"
        return f"message '{refs[0]}' delivered to case {case.id} ({case.business_key}); case {case.status}"

    click.echo(ctx.run(correlate))


@main.command("signal")
@click.argument("name")
@click.option("--case", "case_ref", default=None, help="Only this case (id or business key)")
@click.option("--data", "raw", default=None, help="The signal's payload as a JSON object")
@click.option("--user", "username", default=None, help="Send as this user (default: the system)")
@pass_ctx
def signal_command(ctx: Context, name: str, case_ref: str | None, raw: str | None, username: str | None) -> None:
    """Send signal NAME to CASE, or without --case to every open case waiting for it."""
    data = _json_arg(raw)
    if case_ref is not None:
        def deliver(session: Session) -> str:
            case = delivery.send_signal(session, _actor(session, username), case_ref, name, data)
            return f"signal '{name}' delivered to case {case.id} ({case.business_key}); case {case.status}"

        click.echo(ctx.run(deliver))
        return
    delivered, failed, after = 0, 0, 0

    def batch(session: Session) -> delivery.Broadcast:
        return delivery.broadcast_signal(session, _actor(session, username), name, data, after=after)

    while True:  # a transaction per batch of cases
        result = ctx.run(batch)
        delivered += len(result.delivered)
        failed += len(result.failed)
        for case_id, error in sorted(result.failed.items()):
            click.echo(f"error: case {case_id}: {error}", err=True)
        if result.next_after is None:
            break
        after = result.next_after
    click.echo(f"signal '{name}' delivered to {delivered} cases")
    if failed:
        fail(f"{failed} cases failed to take the signal; they are as they were")
