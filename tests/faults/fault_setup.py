"""What the fault tests share: cases waiting at the office with a timer, and the checks that a case's
rows still agree with its engine state after whatever was done to the processes around it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.db import utcnow
from processes.models import Case, Event, ProcessVersion, Task, Timer, User
from processes.runtime import bundle_for, engine
from processes.tasks import complete_task
from tests.citizen_data import INTAKE

RESOLVED = {"outcome": "resolved", "answer": "Fixed on Monday."}


def intake_task(session: Session, csu: User) -> int:
    """A new case at its intake task; the task's id."""
    case = start_case(session, csu, "citizen_request", {"channel": "phone"})
    return session.scalars(select(Task.id).where(Task.case_id == case.id)).one()


def cases_at_the_office(session: Session, csu: User, count: int) -> list[int]:
    """`count` cases handed over to streets_parks: each waits at handle_request with its deadline timer."""
    case_ids = []
    for n in range(count):
        task_id = intake_task(session, csu)
        data = {**INTAKE, "citizen_email": f"citizen{n}@example.org"}
        case_ids.append(complete_task(session, csu, task_id, data).case_id)
    session.commit()
    return case_ids


def make_timers_due(session: Session, case_ids: list[int]) -> int:
    """Move the deadline timers of these cases into the past, so any worker fires them now."""
    result = session.execute(update(Timer).where(Timer.case_id.in_(case_ids), Timer.state == "waiting")
                             .values(due_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def office_task(session: Session, case_id: int) -> int:
    return session.scalars(select(Task.id).where(Task.case_id == case_id, Task.element_id == "handle_request",
                                                 Task.status == "open")).one()


def count_events(session: Session, kind: str, **where: object) -> int:
    query = select(func.count()).select_from(Event).where(Event.kind == kind)
    for column, value in where.items():
        query = query.where(getattr(Event, column) == value)
    return int(session.scalar(query) or 0)


def projection_problems(session: Session, case_id: int) -> list[str]:
    """Where the task and timer rows of a case disagree with its stored engine state (none: [])."""
    case = session.get(Case, case_id)
    assert case is not None
    version = session.get(ProcessVersion, case.version_id)
    assert version is not None
    snapshot = engine().snapshot(bundle_for(version), case.state)  # the state restores, or this raises
    ready = {t.id for t in snapshot.ready_tasks}
    open_rows = set(session.scalars(select(Task.spiff_task_id).where(Task.case_id == case_id,
                                                                     Task.status == "open")))
    pending = {t.task_id for t in snapshot.timers}
    waiting = set(session.scalars(select(Timer.spiff_task_id).where(Timer.case_id == case_id,
                                                                     Timer.state == "waiting")))
    problems = []
    if ready != open_rows:
        problems.append(f"case {case_id}: engine ready {sorted(ready)} != open task rows {sorted(open_rows)}")
    if pending != waiting:
        problems.append(f"case {case_id}: engine timers {sorted(pending)} != waiting timer rows {sorted(waiting)}")
    if snapshot.completed != (case.status == "closed"):
        problems.append(f"case {case_id}: engine completed={snapshot.completed} but case is {case.status}")
    return problems
