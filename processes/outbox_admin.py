"""The outbox as the CSU and administrators see it: every message, its state, and a retry for failed ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import events
from .authz import require
from .db import utcnow
from .errors import Conflict, InvalidFormData, NotFound
from .mailer import SmtpSettings, message_id
from .models import OUTBOX_STATES, Case, OutboxMessage, User
from .texts import Text


def _require_outbox_role(actor: User | None) -> None:
    require(actor is None or actor.has_role("admin") or actor.has_role("csu_agent"),
            Text("only the CSU and administrators see the outbox"))


def list_messages(session: Session, actor: User | None, *, state: str | None = None,
                  case_id: int | None = None, limit: int = 200) -> list[OutboxMessage]:
    """Messages newest first, optionally of one state or one case."""
    _require_outbox_role(actor)
    if state and state not in OUTBOX_STATES:
        raise InvalidFormData({"state": Text("unknown state '%(state)s' (one of %(states)s)",
                                             state=state, states=', '.join(OUTBOX_STATES))})
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if state:
        query = query.where(OutboxMessage.state == state)
    if case_id is not None:
        query = query.where(OutboxMessage.case_id == case_id)
    return list(session.scalars(query.limit(max(1, min(limit, 1000)))))


def state_counts(session: Session, actor: User | None) -> dict[str, int]:
    """How many messages are in each state (every state present, zero or not)."""
    _require_outbox_role(actor)
    rows = session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))
    counts = dict.fromkeys(OUTBOX_STATES, 0)
    counts.update({state: int(n) for state, n in rows})
    return counts


def retry_failed(session: Session, actor: User | None, outbox_id: int, *, now: datetime | None = None,
                 ) -> OutboxMessage:
    """Queue a failed message again with a fresh count of attempts (e.g. after the server was fixed)."""
    _require_outbox_role(actor)
    now = now or utcnow()
    message = session.get(OutboxMessage, outbox_id, with_for_update=True)
    if message is None:
        raise NotFound(Text("outbox message %(outbox_id)s not found", outbox_id=outbox_id))
    if message.state != "failed":
        raise Conflict(Text("outbox message %(outbox_id)s is %(state)s, not failed",
                            outbox_id=outbox_id, state=message.state))
    message.state, message.attempts, message.next_attempt_at = "pending", 0, now
    case = session.get(Case, message.case_id) if message.case_id else None
    events.record(session, "notification_retried", at=now, case=case, actor=actor, template=message.template,
                  outbox_id=message.id, previous_error=message.last_error)
    session.flush()
    return message


def cases_with_failed_mail(session: Session, case_ids: Iterable[int]) -> set[int]:
    """Which of these cases have a notification that could not be delivered."""
    ids = list(case_ids)
    if not ids:
        return set()
    return set(session.scalars(select(OutboxMessage.case_id).distinct()
                               .where(OutboxMessage.case_id.in_(ids), OutboxMessage.state == "failed")))


def case_refs(session: Session, case_ids: Iterable[int | None]) -> dict[int, str]:
    """The business keys (CR-2026-000123) of the cases the messages belong to."""
    ids = {i for i in case_ids if i is not None}
    if not ids:
        return {}
    return {case_id: key or f"#{case_id}" for case_id, key in
            session.execute(select(Case.id, Case.business_key).where(Case.id.in_(ids)))}


def message_dict(message: OutboxMessage, settings: SmtpSettings | None = None) -> dict[str, Any]:
    """The stable JSON shape of an outbox message (CLI `onestop outbox --json`)."""
    sender = settings.sender_address if settings is not None else "no-reply@onestop.invalid"
    return {
        "id": message.id,
        "case_id": message.case_id,
        "template": message.template,
        "language": message.language,
        "to": message.to_address,
        "subject": message.subject,
        "state": message.state,
        "attempts": message.attempts,
        "next_attempt_at": _iso(message.next_attempt_at),
        "last_error": message.last_error,
        "created_at": _iso(message.created_at),
        "sent_at": _iso(message.sent_at),
        "message_id": message_id(message.dedupe_key, sender),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
