"""The append-only event log: audit trail, citizen timeline and metrics all read from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .models import Case, Event, User


def record(
    session: Session,
    kind: str,
    *,
    at: datetime,
    case: Case | None = None,
    actor: User | None = None,
    element_id: str | None = None,
    task_id: int | None = None,
    office: str | None = None,
    **details: Any,
) -> Event:
    """Append one event; `details` must be JSON-ready."""
    event = Event(
        case_id=case.id if case is not None else None,
        kind=kind,
        element_id=element_id,
        task_id=task_id,
        actor_id=actor.id if actor is not None else None,
        office=office if office is not None else (case.office if case is not None else None),
        at=at,
        details=details or None,
    )
    session.add(event)
    return event
