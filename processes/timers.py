"""Fire timers that are due. Any number of workers may run this at once on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import ScriptError

from . import events
from .authz import require
from .db import savepoint, utcnow
from .errors import CaseStepFailed, NotFound
from .models import Case, ProcessVersion, Timer, User
from .projection import apply_snapshot
from .runtime import bundle_for, engine
from .services import services_for
from .texts import Text


def due_timers(session: Session, now: datetime, limit: int) -> list[Timer]:
    """Waiting timers due at `now`, locked so that no other worker takes them (SKIP LOCKED)."""
    query = (
        select(Timer)
        .where(Timer.state == "waiting", Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def waiting_due(session: Session, now: datetime) -> int:
    """How many timers wait that are due at `now`."""
    return int(session.scalar(select(func.count()).select_from(Timer)
                              .where(Timer.state == "waiting", Timer.due_at <= now)) or 0)


def fire_due_timers(session: Session, *, now: datetime | None = None, limit: int = 100) -> int:
    """Fire up to `limit` due timers, one case step per case; returns how many fired.

    Each case steps in a savepoint of its own: when its process fails, the case stays as it was,
    its timers are marked failed with a `timer_failed` event on the case (not retried: the error
    would come back every round) and the other cases of the batch still fire."""
    now = now or utcnow()
    by_case: dict[int, list[Timer]] = {}
    for timer in due_timers(session, now, limit):
        by_case.setdefault(timer.case_id, []).append(timer)
    fired = 0
    for case_id, case_timers in by_case.items():
        try:
            with savepoint(session):
                fired += _fire(session, case_id, case_timers, now)
        except CaseStepFailed as err:
            _mark_failed(session, case_id, case_timers, err, now)
    session.flush()
    return fired


def _fire(session: Session, case_id: int, timers: list[Timer], now: datetime) -> int:
    """Step one case past its due `timers`; how many fired (none when the case is no longer open)."""
    case = session.get(Case, case_id, with_for_update=True)
    if case is None or case.status != "open":
        for timer in timers:
            timer.state = "cancelled"
        return 0
    version = session.get(ProcessVersion, case.version_id)
    assert version is not None
    for timer in timers:
        timer.state = "fired"
        timer.fired_at = now
    try:
        snapshot = engine().fire_timers(bundle_for(version), case.state, [t.spiff_task_id for t in timers],
                                        services_for(session, case, now), now=now)
    except ScriptError as err:
        raise CaseStepFailed(err.element_id, err.message) from err
    apply_snapshot(session, case, snapshot, actor=None, now=now)
    return len(timers)


def _mark_failed(session: Session, case_id: int, timers: list[Timer], err: CaseStepFailed, now: datetime) -> None:
    case = session.get(Case, case_id)
    for timer in timers:
        timer.state = "failed"
        events.record(session, "timer_failed", at=now, case=case, element_id=timer.element_id,
                      failed_at=err.element_id, message=err.message)


def failed_timers(session: Session, case_id: int, *, lock: bool = False) -> list[Timer]:
    """The case's timers whose step failed (see fire_due_timers), oldest first."""
    query = select(Timer).where(Timer.case_id == case_id, Timer.state == "failed").order_by(Timer.id)
    return list(session.scalars(query.with_for_update() if lock else query))


def retry_failed_timers(session: Session, actor: User | None, case_id: int, *, now: datetime | None = None) -> int:
    """An administrator sets the case's failed timers waiting again (after fixing what made the process
    fail, e.g. by migrating the case to a corrected version): the next worker round fires them."""
    require(actor is None or actor.has_role("admin"), Text("Only administrators retry timers."))
    now = now or utcnow()
    timers = failed_timers(session, case_id, lock=True)
    if not timers:
        raise NotFound(Text("case %(case_id)s has no failed timer", case_id=case_id))
    case = session.get(Case, case_id)
    for timer in timers:
        timer.state = "waiting"
        events.record(session, "timer_retried", at=now, case=case, actor=actor, element_id=timer.element_id)
    session.flush()
    return len(timers)
