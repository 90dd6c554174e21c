"""Write an engine snapshot into the tables the application reads: case, tasks, timers, events.

Runs in the same transaction as the step, so the inbox never disagrees with the case state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Snapshot

from . import events
from .citizens import answer_duplicates
from .lanes import lane_rules, resolve_lane
from .models import Case, Task, Timer, User


def parse_moment(value: object) -> datetime | None:
    """An aware datetime from an ISO string in case data; None when absent or unparseable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def apply_snapshot(
    session: Session,
    case: Case,
    snapshot: Snapshot,
    *,
    actor: User | None,
    now: datetime,
    source: Task | None = None,
) -> list[Task]:
    """Project `snapshot` onto `case`; `source` is the task whose completion caused it. Returns new tasks."""
    # One flush at the end instead of one before every query: the step's rows go out in batches.
    with session.no_autoflush:
        return _apply(session, case, snapshot, actor=actor, now=now, source=source)


def _apply(
    session: Session, case: Case, snapshot: Snapshot, *, actor: User | None, now: datetime, source: Task | None
) -> list[Task]:
    data = snapshot.data
    previous_office = case.office
    case.state = snapshot.state
    case.data = data
    case.office = data.get("office") or case.office
    case.category = data.get("category") or case.category
    case.channel = data.get("channel") or case.channel
    case.citizen_name = data.get("citizen_name") or case.citizen_name
    case.citizen_email = data.get("citizen_email") or case.citizen_email
    case.due_at = parse_moment(data.get("due_at")) or case.due_at

    for step in snapshot.steps:
        events.record(session, "element_completed", at=now, case=case, actor=actor,
                      element_id=step.element_id, name=step.name, type=step.kind)

    # Without autoflush the query still sees the task completed just now as open: trust the object.
    open_tasks = {t.spiff_task_id: t for t in session.scalars(
        select(Task).where(Task.case_id == case.id, Task.status == "open")) if t.status == "open"}
    ready_ids = {t.id for t in snapshot.ready_tasks}
    for spiff_id, task in open_tasks.items():
        if spiff_id not in ready_ids:
            task.status = "cancelled"
            task.completed_at = now
            events.record(session, "task_cancelled", at=now, case=case, element_id=task.element_id,
                          task_id=task.id, office=task.group_name)

    created: list[Task] = []
    rules = lane_rules(session)
    for ready in snapshot.ready_tasks:
        if ready.id in open_tasks:
            continue
        group, managers_only = resolve_lane(ready.lane, data, rules)
        task = Task(
            case_id=case.id, spiff_task_id=ready.id, element_id=ready.element_id, name=ready.name,
            lane=ready.lane, group_name=group, managers_only=managers_only, form=ready.form,
            status="open", due_at=parse_moment(ready.due), created_at=now,
        )
        session.add(task)
        created.append(task)
    session.flush()
    for task in created:
        events.record(session, "task_created", at=now, case=case, element_id=task.element_id,
                      task_id=task.id, office=task.group_name, group=task.group_name)
        _record_handoff(session, case, task, source, previous_office, actor, now)

    for task in [*open_tasks.values(), *created]:
        if task.status == "open":
            copy_case_fields(task, case)
    _sync_timers(session, case, snapshot, now)
    if snapshot.completed and case.status == "open":
        case.status = "closed"
        case.closed_at = now
        events.record(session, "case_closed", at=now, case=case, actor=actor)
    # Duplicates follow their original: they get its answer as soon as there is one (not only at
    # the end, which an overdue follow-up task can hold back).
    answer_duplicates(session, case, now)
    return created


def copy_case_fields(task: Task, case: Case) -> None:
    """Keep the inbox's copy of the case fields current."""
    task.process_key = case.process_key
    task.case_ref = case.business_key
    task.category = case.category
    task.citizen_name = case.citizen_name
    description = (case.data or {}).get("description")
    task.summary = str(description)[:300] if description else None


def _record_handoff(
    session: Session, case: Case, task: Task, source: Task | None, previous_office: str | None,
    actor: User | None, now: datetime,
) -> None:
    """Name the movement between the CSU and the offices that created `task`."""
    if task.managers_only and source is None:
        events.record(session, "escalated", at=now, case=case, element_id=task.element_id,
                      task_id=task.id, office=task.group_name)
        return
    if source is None or task.group_name == source.group_name:
        return
    kind = None
    if source.group_name == "csu" and task.group_name != "csu":
        kind = "handed_over"
    elif task.group_name == "csu":
        kind = "returned_to_csu"
    elif previous_office and task.group_name != previous_office and not task.managers_only:
        kind = "rerouted"
    if kind:
        events.record(session, kind, at=now, case=case, actor=actor, element_id=task.element_id,
                      task_id=task.id, office=task.group_name, **{"from": source.group_name})


def _sync_timers(session: Session, case: Case, snapshot: Snapshot, now: datetime) -> None:
    waiting = {t.spiff_task_id: t for t in session.scalars(
        select(Timer).where(Timer.case_id == case.id, Timer.state == "waiting"))}
    pending = {t.task_id: t for t in snapshot.timers}
    for spiff_id, timer in waiting.items():
        if spiff_id not in pending:
            timer.state = "cancelled"
        else:
            timer.due_at = pending[spiff_id].due_at
    for spiff_id, pending_timer in pending.items():
        if spiff_id not in waiting:
            session.add(Timer(case_id=case.id, spiff_task_id=spiff_id, element_id=pending_timer.element_id,
                              due_at=pending_timer.due_at, state="waiting", created_at=now))
