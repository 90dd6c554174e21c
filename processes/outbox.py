"""Sending the outbox: claimed with a lease, sent over SMTP, marked in a short transaction of its own.

Exactly-once delivery over SMTP cannot be had: a worker can die after the server accepted a mail
and before the database heard of it, and no protocol lets it ask the server afterwards. So the
outbox delivers *at least once*, and makes the rare second copy harmless and rare:

- A message is sent only after it was claimed (state `sending`, `next_attempt_at` = now + lease)
  in a committed transaction; `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL) lets any number of
  workers claim side by side without taking the same message, and while the lease runs no other
  worker touches it. (SQLite runs one worker, in the `serve` process.)
- It is marked `sent` in a second short transaction right after the server accepted it.
- If the worker dies in between, the lease runs out and another round sends it again, with the
  same Message-ID (derived from the message's unique `dedupe_key`), so mail clients and servers
  that de-duplicate by Message-ID show it once. It is never lost.
- A temporary failure (4xx, no connection, timeout) is retried with exponential back-off for about
  two days, so a mail server down for an hour or a weekend's night loses nothing; a permanent
  refusal (5xx) or MAX_ATTEMPTS failures make it `failed`, which the CSU sees on the outbox page and
  in the case's events (`notification_failed`). Nothing is dropped silently.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import events
from .mailer import SendFailure, SmtpConnection, SmtpSettings, build_email
from .models import Case, OutboxMessage
from .unit import Database

MIN_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 17  # the back-offs before the last attempt add up to 50.5 hours (retry_window)
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
BATCH = 10


def lease_for(settings: SmtpSettings, limit: int) -> timedelta:
    """Long enough to send a whole batch even when every message hits the SMTP timeout."""
    return max(MIN_LEASE, timedelta(seconds=settings.timeout * (limit + 1) + 60))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the n-th failed attempt, at most BACKOFF_MAX."""
    return min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def retry_window() -> timedelta:
    """How long a message that keeps failing temporarily is retried before it is given up."""
    return sum((backoff(n) for n in range(1, MAX_ATTEMPTS)), timedelta())


def claim_due_messages(session: Session, now: datetime, limit: int = BATCH,
                       lease: timedelta = MIN_LEASE) -> list[OutboxMessage]:
    """Take up to `limit` due messages (pending, or `sending` with a lapsed lease) for this worker."""
    query = (
        select(OutboxMessage)
        .where(or_(OutboxMessage.state == "pending", OutboxMessage.state == "sending"),
               OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list(session.scalars(query))
    for message in messages:
        message.state = "sending"
        message.attempts += 1
        message.next_attempt_at = now + lease
    session.flush()
    return messages


def mark_sent(session: Session, message_id: int, now: datetime) -> None:
    """Record that the server accepted the message (whoever's lease it was: it is out now)."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.state == "sent":
        return
    message.state, message.sent_at, message.last_error = "sent", now, None
    case = session.get(Case, message.case_id) if message.case_id else None
    events.record(session, "notification_sent", at=now, case=case, template=message.template,
                  outbox_id=message.id, attempts=message.attempts)
    session.flush()


def record_failure(session: Session, message_id: int, now: datetime, failure: SendFailure) -> str:
    """Schedule a retry, or give up for good (visible to the CSU); returns the new state."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.state == "sent":
        return "sent"
    message.last_error = failure.reason[:2000]
    if failure.permanent or message.attempts >= MAX_ATTEMPTS:
        message.state = "failed"
        case = session.get(Case, message.case_id) if message.case_id else None
        events.record(session, "notification_failed", at=now, case=case, template=message.template,
                      outbox_id=message.id, attempts=message.attempts, reason=message.last_error)
    else:
        message.state = "pending"
        message.next_attempt_at = now + backoff(message.attempts)
    session.flush()
    return message.state


def deliver_due(database: Database, settings: SmtpSettings, now: datetime, limit: int = BATCH) -> dict[str, int]:
    """Claim, send and mark one batch; each step commits on its own. Counts by outcome."""
    lease = lease_for(settings, limit)

    counts = {"sent": 0, "retrying": 0, "failed": 0}
    with SmtpConnection(settings) as connection:
        # The claimed rows stay readable after their transaction commits (expire_on_commit=False).
        for held in database.run(partial(claim_due_messages, now=now, limit=limit, lease=lease)):
            try:
                connection.send(build_email(held, settings), held.to_address)
            except SendFailure as failure:
                state = database.run(partial(record_failure, message_id=held.id, now=now, failure=failure))
                counts["failed" if state == "failed" else "retrying"] += 1
                continue
            database.run(partial(mark_sent, message_id=held.id, now=now))
            counts["sent"] += 1
    return counts

