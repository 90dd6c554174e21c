"""Write an engine snapshot into the tables the application reads: case, tasks, timers, events.

Runs in the same transaction as the step, so the inbox never disagrees with the case state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine import Snapshot

from . import events
from .case_facts import note_case_facts
from .citizens import answer_duplicates
from .errors import CaseStepFailed
from .json_values import stored_json
from .lanes import lane_rules, resolve_lane
from .models import CSU_KIND, UNFIRED_TIMER_STATES, Case, Group, Task, Timer, User
from .routines import Routine, case_routine
from .texts import Text
from .waits import note_waits

# Built once: building a statement costs about as much as running it on SQLite.
_OPEN_TASKS = select(Task).where(Task.case_id == bindparam("case_id"), Task.status == "open")
_UNFIRED_TIMERS = select(Timer).where(Timer.case_id == bindparam("case_id"), Timer.state.in_(UNFIRED_TIMER_STATES))
_DESK_GROUPS = select(Group.name).where(Group.kind == CSU_KIND, Group.name.in_(bindparam("names", expanding=True)))


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
    new_case: bool = False,
    open_tasks: Iterable[Task] | None = None,
) -> list[Task]:
    """Project `snapshot` onto `case`; `source` is the task whose completion caused it. Returns new tasks.

    `new_case`: the case was inserted in this transaction, so it has no tasks or timers to look up yet.
    `open_tasks`: the case's open tasks, when the caller read them after locking the case (saves a query)."""
    _, problem = stored_json(snapshot.data)
    if problem is not None:  # a script computed NaN, 2**100, a NUL ...: the step fails, the case stays as it was
        # The last task that ran in the step (a script, a decision, a service) computed it, not the end event.
        ran = [step.element_id for step in snapshot.steps if step.kind.endswith("Task")] or [""]
        where = ran[-1]
        raise CaseStepFailed(where, Text("the process produced case data that cannot be stored (%(problem)s)",
                                         problem=problem))
    # One flush (two when tasks are created: their ids go into events) and one INSERT of the step's
    # events, instead of a flush before every query and an INSERT per event.
    with events.batch(session), session.no_autoflush:
        return _apply(session, case, snapshot, actor=actor, now=now, source=source, new_case=new_case,
                      known_open=open_tasks)


def _apply(
    session: Session, case: Case, snapshot: Snapshot, *, actor: User | None, now: datetime, source: Task | None,
    new_case: bool, known_open: Iterable[Task] | None,
) -> list[Task]:
    data = snapshot.data
    previous_office = case.office
    case.state = snapshot.state
    case.data = data
    routine = case_routine(case)
    # The case's columns hold the fields the routine names (docs/routines.md), for lists and dashboards.
    case.office = routine.text(data, routine.office_field) or case.office
    case.category = routine.text(data, routine.category_field) or case.category
    case.channel = routine.text(data, routine.channel_field) or case.channel
    case.citizen_name = routine.text(data, routine.citizen_name_field) or case.citizen_name
    case.citizen_email = routine.text(data, routine.citizen_email_field) or case.citizen_email
    case.due_at = parse_moment(routine.value(data, routine.due_field)) or case.due_at
    note_case_facts(routine, case, data, source, now)

    for step in snapshot.steps:
        events.record(session, "element_completed", at=now, case=case, actor=actor,
                      element_id=step.element_id, name=step.name, type=step.kind)

    if known_open is None:
        known_open = [] if new_case else session.scalars(_OPEN_TASKS, {"case_id": case.id})
    # Without autoflush the query still sees the task completed just now as open: trust the object.
    open_tasks = {t.spiff_task_id: t for t in known_open if t.status == "open"}
    ready_ids = {t.id for t in snapshot.ready_tasks}
    for spiff_id, task in open_tasks.items():
        if spiff_id not in ready_ids:
            task.status = "cancelled"
            task.completed_at = now
            events.record(session, "task_cancelled", at=now, case=case, element_id=task.element_id,
                          task_id=task.id, office=task.group_name, task_name=task.name)

    created = _new_tasks(session, case, snapshot, open_tasks, routine, now)
    for task in [*open_tasks.values(), *created]:
        if task.status == "open":
            copy_case_fields(task, case)
    _sync_timers(session, case, snapshot, now, new_case=new_case)
    note_waits(session, case, snapshot, new_case=new_case)
    closing = snapshot.completed and case.status == "open"
    if closing:
        case.status = "closed"
        case.closed_at = now
    desks = _desk_groups(session, created, source)
    for task in created:
        task.arrived_as, task.arrived_from = _arrival(task, source, previous_office, desks)
    if created:
        session.flush()  # the new tasks' ids, for their events
    for task in created:
        events.record(session, "task_created", at=now, case=case, element_id=task.element_id,
                      task_id=task.id, office=task.group_name, group=task.group_name,
                      task_name=task.name)
        _record_handoff(session, case, task, actor, now)
    if closing:
        events.record(session, "case_closed", at=now, case=case, actor=actor)
    # Duplicates follow their original: they get its answer as soon as there is one (not only at
    # the end, which an overdue follow-up task can hold back).
    answer_duplicates(session, case, now)
    return created


def _new_tasks(session: Session, case: Case, snapshot: Snapshot, open_tasks: dict[str, Task], routine: Routine,
               now: datetime) -> list[Task]:
    """Tasks for the ready tasks of `snapshot` that have none yet (added to the session, not flushed)."""
    fresh = [ready for ready in snapshot.ready_tasks if ready.id not in open_tasks]
    rules = lane_rules(session, routine.lanes) if fresh else routine.lanes  # only new tasks need the mapping
    created = []
    for ready in fresh:
        group, managers_only = resolve_lane(ready.lane, snapshot.data, rules)
        task = Task(
            case_id=case.id, spiff_task_id=ready.id, element_id=ready.element_id, name=ready.name,
            lane=ready.lane, group_name=group, managers_only=managers_only, form=ready.form,
            status="open", due_at=parse_moment(ready.due), created_at=now, received_at=case.created_at,
        )
        session.add(task)
        created.append(task)
    return created


def copy_case_fields(task: Task, case: Case) -> None:
    """Keep the inbox's copy of the case fields current."""
    task.process_key = case.process_key
    task.case_ref = case.business_key
    task.category = case.category
    task.citizen_name = case.citizen_name
    description = Routine.text(case.data, case_routine(case).description_field)
    task.summary = description[:300] if description else None


def _desk_groups(session: Session, created: list[Task], source: Task | None) -> frozenset[str]:
    """Which of the groups involved in a movement are front desks (kind csu) rather than offices."""
    if not created or source is None:
        return frozenset()
    names = {t.group_name for t in [*created, source] if t.group_name}
    return frozenset(session.scalars(_DESK_GROUPS, {"names": sorted(names)})) if names else frozenset()


def _arrival(task: Task, source: Task | None, previous_office: str | None,
             desks: frozenset[str]) -> tuple[str | None, str | None]:
    """Name the movement between the CSU and the offices that created `task`, and the group it came from.

    `desks` are the front-desk groups among them (a group's kind says so, not its name). Kept on the
    task (arrived_as, arrived_from) for the dashboard, and logged by _record_handoff."""
    # A task for the managers that no manager's work led to is an escalation: a timer fired by the
    # worker (no source), or one due already when a step brought the request back to an office.
    if task.managers_only and (source is None or not source.managers_only):
        return "escalated", None
    if source is None or task.group_name == source.group_name:
        return None, None
    if source.group_name in desks and task.group_name not in desks:
        return "handed_over", source.group_name
    if task.group_name in desks:
        return "returned_to_csu", source.group_name
    if previous_office and task.group_name != previous_office and not task.managers_only:
        return "rerouted", source.group_name
    return None, None


def _record_handoff(session: Session, case: Case, task: Task, actor: User | None, now: datetime) -> None:
    """Log the movement that created `task` (see _arrival)."""
    if task.arrived_as == "escalated":
        events.record(session, "escalated", at=now, case=case, element_id=task.element_id,
                      task_id=task.id, office=task.group_name)
    elif task.arrived_as is not None:
        events.record(session, task.arrived_as, at=now, case=case, actor=actor, element_id=task.element_id,
                      task_id=task.id, office=task.group_name, **{"from": task.arrived_from})


def _sync_timers(session: Session, case: Case, snapshot: Snapshot, now: datetime, *, new_case: bool) -> None:
    # Without autoflush the query still sees a timer fired in this step as waiting: trust the object.
    waiting = {} if new_case else {t.spiff_task_id: t for t in session.scalars(
        _UNFIRED_TIMERS, {"case_id": case.id}) if t.state in UNFIRED_TIMER_STATES}
    pending = {t.task_id: t for t in snapshot.timers}
    for spiff_id, timer in waiting.items():
        if spiff_id not in pending:
            timer.state = "cancelled"
        else:  # a failed timer stays failed: the worker would only fail again
            timer.due_at = pending[spiff_id].due_at
    for spiff_id, pending_timer in pending.items():
        if spiff_id not in waiting:
            session.add(Timer(case_id=case.id, spiff_task_id=spiff_id, element_id=pending_timer.element_id,
                              due_at=pending_timer.due_at, state="waiting", created_at=now))
