"""Fire timers that are due. Any number of workers may run this at once on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import ScriptError

from .db import utcnow
from .errors import CaseStepFailed
from .models import Case, ProcessVersion, Timer
from .projection import apply_snapshot
from .runtime import bundle_for, engine
from .services import services_for


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


def fire_due_timers(session: Session, *, now: datetime | None = None, limit: int = 100) -> int:
    """Fire up to `limit` due timers, one case step per case; returns how many fired."""
    now = now or utcnow()
    timers = due_timers(session, now, limit)
    by_case: dict[int, list[Timer]] = {}
    for timer in timers:
        by_case.setdefault(timer.case_id, []).append(timer)
    fired = 0
    for case_id, case_timers in by_case.items():
        case = session.get(Case, case_id, with_for_update=True)
        if case is None or case.status != "open":
            for timer in case_timers:
                timer.state = "cancelled"
            continue
        version = session.get(ProcessVersion, case.version_id)
        assert version is not None
        for timer in case_timers:
            timer.state = "fired"
            timer.fired_at = now
        try:
            snapshot = engine().fire_timers(bundle_for(version), case.state,
                                            [t.spiff_task_id for t in case_timers],
                                            services_for(session, case, now))
        except ScriptError as err:
            raise CaseStepFailed(err.element_id, err.message) from err
        apply_snapshot(session, case, snapshot, actor=None, now=now)
        fired += len(case_timers)
    session.flush()
    return fired
