"""One round of background work: fire due timers, then send due mail. `onestop worker` and the
worker thread of `onestop serve` both call run_worker_round, so they cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import utcnow
from .mailer import SmtpSettings
from .models import OutboxMessage
from .outbox import deliver_due
from .timers import fire_due_timers
from .unit import Database


def run_worker_round(database: Database, now: datetime | None = None, *,
                     settings: SmtpSettings | None = None) -> dict[str, int]:
    """Fire the timers due at `now` and send the mail due then; counts of what happened.

    `settings` default to the environment (ONESTOP_SMTP_*); without an SMTP host nothing is sent
    and `kept` says how many messages wait in the outbox, shown on the admin outbox page."""
    now = now or utcnow()
    settings = settings or SmtpSettings.from_env()
    result = {"timers_fired": database.run(partial(fire_due_timers, now=now)),
              "sent": 0, "retrying": 0, "failed": 0, "kept": 0}
    if settings is None:
        result["kept"] = database.run(_pending)
    else:
        result.update(deliver_due(database, settings, now))
    return result


def _pending(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.state == "pending")) or 0)


def busy(result: dict[str, int]) -> bool:
    """Whether the round did work, so the next one should start at once rather than after a pause."""
    return any(result[key] for key in ("timers_fired", "sent", "retrying", "failed"))
