"""The append-only event log: audit trail, citizen timeline and metrics all read from it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .models import Case, Event, User

_BATCH = "onestop.events.batch"


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
) -> None:
    """Append one event; `details` must be JSON-ready. Inside `batch(session)` it is written at the batch's end."""
    row = {
        "case_id": case.id if case is not None else None,
        "kind": kind,
        "element_id": element_id,
        "task_id": task_id,
        "actor_id": actor.id if actor is not None else None,
        "office": office if office is not None else (case.office if case is not None else None),
        "at": at,
        "details": details or None,
    }
    rows: list[dict[str, Any]] | None = session.info.get(_BATCH)
    if rows is not None:
        rows.append(row)
    else:
        session.add(Event(**row))


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """Write the events recorded inside the block with one INSERT when it ends, in the order recorded.

    A case step records ten or more events; the ORM inserts them one by one (it wants each id back,
    and SQLite cannot return ids for a multi-row insert in a reliable order). Code inside the block
    does not see its own events in queries yet, as with `no_autoflush`. A block inside a block joins
    the outer one; a block left by an exception writes nothing (the step's transaction is rolled back)."""
    if _BATCH in session.info:
        yield
        return
    rows: list[dict[str, Any]] = []
    session.info[_BATCH] = rows
    try:
        yield
    finally:
        del session.info[_BATCH]
    if rows:
        session.flush()  # the rows the events point to (cases, users) are written first
        session.connection().execute(insert(Event), rows)


_STORY_RANK = {"case_started": 0, "citizen_replied": 1, "task_completed": 1}


def in_story_order(log: Iterable[Event]) -> list[Event]:
    """Events as a person tells them: by time, and at the same moment the case's start first, then a
    task's completion (the engine records it after what it caused: messages, the next tasks), then by id."""
    return sorted(log, key=lambda e: (e.at, _STORY_RANK.get(e.kind, 2), e.id))
