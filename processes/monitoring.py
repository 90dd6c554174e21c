"""What the health check and the Prometheus metrics read: computed from the database at the moment
they are asked for, so every web process of a cluster reports the same figures and no process keeps
state of its own (a restarted process loses nothing)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .db import head_revision, utcnow
from .models import Case, OutboxMessage, Task, Timer
from .unit import Database


@dataclass(frozen=True)
class Health:
    """`ok` when the database answers and its schema is at the revision this code ships."""

    ok: bool
    database: str  # "ok" or "unavailable"
    revision: str | None = None
    expected: str | None = None
    detail: str | None = None

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        return "unavailable" if self.database != "ok" else "schema outdated"


@dataclass
class ClusterFigures:
    """Counts across the whole deployment; keys of the dicts are (process key, status) or a group."""

    cases: dict[tuple[str, str], int] = field(default_factory=dict)
    tasks_completed: int = 0
    open_tasks: dict[str, int] = field(default_factory=dict)
    due_timers: int = 0
    waiting_timers: int = 0
    failed_timers: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    oldest_due_timer_seconds: float = 0.0
    stuck_cases: int = 0  # open cases that can neither move nor wait (processes/waits.py)


@functools.cache
def _head() -> str | None:
    return head_revision()


def check_health(database: Database) -> Health:
    """SELECT 1 and the migration revision, on a connection of `database`'s own pool."""
    expected = _head()
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            revision = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as err:
        reason = str(err.orig).strip().splitlines()[0] if err.orig is not None else type(err).__name__
        return Health(False, "unavailable", expected=expected, detail=reason)
    return Health(revision == expected, "ok", revision, expected)


def cluster_figures(session: Session, now: datetime | None = None) -> ClusterFigures:
    """Cases by process and status, stuck cases, open tasks by group, due, waiting and failed timers, the
    outbox by state."""
    now = now or utcnow()
    figures = ClusterFigures()
    for key, status, count in session.execute(
            select(Case.process_key, Case.status, func.count()).group_by(Case.process_key, Case.status)):
        figures.cases[(key, status)] = count
    figures.tasks_completed = session.scalar(
        select(func.count()).select_from(Task).where(Task.status == "completed")) or 0
    for group, count in session.execute(
            select(Task.group_name, func.count()).where(Task.status == "open").group_by(Task.group_name)):
        figures.open_tasks[group or ""] = count
    waiting = select(func.count(), func.min(Timer.due_at)).where(Timer.state == "waiting")
    figures.waiting_timers = session.execute(waiting).one()[0]
    due_count, oldest = session.execute(waiting.where(Timer.due_at <= now)).one()
    figures.due_timers = due_count
    figures.oldest_due_timer_seconds = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
    figures.failed_timers = session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "failed")) or 0
    figures.stuck_cases = session.scalar(select(func.count()).select_from(Case).where(
        Case.status == "open", Case.stuck.is_not(None))) or 0
    for state, count in session.execute(
            select(OutboxMessage.state, func.count()).where(OutboxMessage.state != "sent")
            .group_by(OutboxMessage.state)):
        figures.outbox[state] = count
    return figures
