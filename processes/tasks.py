"""Work on tasks: claim, unclaim, assign, complete; and the inbox query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.exc import StaleDataError

from engine import ScriptError, UnknownTask

from . import events
from .authz import may_manage, may_view, may_work_on, require
from .db import utcnow
from .errors import (
    CaseStepFailed,
    Conflict,
    InvalidFormData,
    NotFound,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
)
from .forms import validate_submission
from .inbox import visibility, visible_condition
from .json_values import check_case_data
from .models import Case, ProcessVersion, Task, User
from .projection import apply_snapshot
from .runtime import bundle_for, engine
from .services import services_for
from .start_data import check_data_size
from .texts import Text


class ConcurrentUpdate(Conflict):
    """Another transaction changed the case first; retry the whole request once."""


def _display(user: User | None) -> str:
    if user is None:
        return Text("the system")
    return user.display_name or user.username


# Built once: building a statement costs about as much as running it on SQLite.
_LOCK_CASE_OF_TASK = (
    select(Case).join(Case.version).options(contains_eager(Case.version))
    .where(Case.id == select(Task.case_id).where(Task.id == bindparam("task_id")).scalar_subquery())
    .with_for_update(of=Case).execution_options(populate_existing=True)
)
_TASK_AND_OPEN_TASKS_OF_CASE = (
    select(Task)
    .where(or_(Task.id == bindparam("task_id"), and_(Task.case_id == bindparam("case_id"), Task.status == "open")))
    .execution_options(populate_existing=True)
)


def load_task(session: Session, task_id: int, *, lock: bool = False) -> Task:
    """The task, with its case row locked (FOR UPDATE on PostgreSQL) and its case's version loaded when `lock`."""
    if not lock:
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(Text("task %(task_id)s not found", task_id=task_id))
        return task
    return _load_locked(session, task_id)[0]


def _load_locked(session: Session, task_id: int) -> tuple[Task, list[Task]]:
    """The task and the open tasks of its case (the task included if open), read after locking the case."""
    # Lock the case first, then read the tasks: a concurrent completion is then seen, not overwritten.
    # Two queries, not one join: after waiting for the lock, PostgreSQL re-reads only the locked row.
    case = session.scalars(_LOCK_CASE_OF_TASK, {"task_id": task_id}).first()
    if case is None:
        raise NotFound(Text("task %(task_id)s not found", task_id=task_id))
    tasks = list(session.scalars(_TASK_AND_OPEN_TASKS_OF_CASE, {"task_id": task_id, "case_id": case.id}))
    task = next((t for t in tasks if t.id == task_id), None)
    if task is None:
        raise NotFound(Text("task %(task_id)s not found", task_id=task_id))
    assert task.case is case  # from the identity map; the task now holds the case (and the case its version)
    return task, [t for t in tasks if t.case_id == case.id and t.status == "open"]


def view_task(session: Session, actor: User | None, task_id: int) -> Task:
    """The task, if `actor` may see it (processes.authz.may_view); PermissionDenied otherwise."""
    task = load_task(session, task_id)
    require(may_view(session, actor, task), Text("you may not see task %(task_id)s", task_id=task_id))
    return task


def _require_open(task: Task) -> None:
    if task.status == "completed":
        at = task.completed_at.isoformat(timespec="seconds") if task.completed_at else Text("an unknown time")
        raise TaskAlreadyCompleted(task.id, _display(task.completed_by), at)
    if task.status != "open":
        raise Conflict(Text("task %(task_id)s is cancelled: the case has moved on", task_id=task.id)
                       if task.status == "cancelled" else
                       Text("task %(task_id)s is %(status)s: the case has moved on", task_id=task.id,
                            status=task.status))


def claim_task(session: Session, actor: User, task_id: int, *, now: datetime | None = None) -> Task:
    """Take an open task of one of my groups; claiming my own task again is a no-op."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    require(may_work_on(session, actor, task), Text("%(username)s may not work on %(group_name)s tasks",
                                                    username=actor.username, group_name=task.group_name))
    _require_open(task)
    if task.assignee_id == actor.id:
        return task
    if task.assignee_id is not None:
        raise TaskClaimedByOther(task.id, _display(task.assignee))
    task.assignee = actor
    task.claimed_at = now
    task.pick_up(now)
    events.record(session, "task_claimed", at=now, case=task.case, actor=actor, element_id=task.element_id,
                  task_id=task.id, office=task.group_name, task_name=task.name)
    _flush(session, task)
    return task


def unclaim_task(session: Session, actor: User, task_id: int, *, now: datetime | None = None) -> Task:
    """Give a claimed task back to its group (the assignee or a manager of the group)."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    # Who may act comes before any answer about the task: not even "nothing to do" for another office's.
    require(task.assignee_id == actor.id or may_work_on(session, actor, task)
            or may_manage(session, actor, task.group_name),
            Text("%(username)s may not work on %(group_name)s tasks",
                 username=actor.username, group_name=task.group_name))
    _require_open(task)
    if task.assignee_id is None:
        return task
    require(task.assignee_id == actor.id or may_manage(session, actor, task.group_name),
            Text("only the assignee or a manager may unclaim this task"))
    task.assignee = None
    task.claimed_at = None
    events.record(session, "task_unclaimed", at=now, case=task.case, actor=actor,
                  element_id=task.element_id, task_id=task.id, office=task.group_name, task_name=task.name)
    _flush(session, task)
    return task


def assign_task(session: Session, actor: User | None, task_id: int, assignee: User, *,
                now: datetime | None = None) -> Task:
    """A manager of the task's group hands it to one of the group's members."""
    now = now or utcnow()
    task = load_task(session, task_id, lock=True)
    require(may_manage(session, actor, task.group_name), Text("only a manager of the group may assign its tasks"))
    _require_open(task)
    require(may_work_on(session, assignee, task), Text("%(username)s is not in group %(group_name)s",
                                                       username=assignee.username, group_name=task.group_name))
    task.assignee = assignee
    task.claimed_at = now
    task.pick_up(now)
    events.record(session, "task_assigned", at=now, case=task.case, actor=actor, element_id=task.element_id,
                  task_id=task.id, office=task.group_name, assignee=assignee.username, task_name=task.name)
    _flush(session, task)
    return task


MAX_REASSIGN = 200


def reassign_tasks(session: Session, actor: User | None, task_ids: Sequence[int], assignee: User, *,
                   now: datetime | None = None) -> list[Task]:
    """A manager hands several open tasks to one member: all of them, or none (one transaction)."""
    ids = sorted(set(task_ids))  # a fixed lock order, so two managers reassigning cannot deadlock
    if not ids:
        raise InvalidFormData({"task_ids": Text("choose at least one task")})
    if len(ids) > MAX_REASSIGN:
        raise InvalidFormData({"task_ids": Text("choose at most %(n)s tasks at a time", n=MAX_REASSIGN)})
    now = now or utcnow()
    return [assign_task(session, actor, task_id, assignee, now=now) for task_id in ids]


def task_form(session: Session, task: Task) -> dict[str, Any] | None:
    """The form definition of the version the task's case runs on, never a newer one."""
    version = session.get(ProcessVersion, task.case.version_id)
    return bundle_for(version).form(task.form) if version is not None else None


def complete_task(
    session: Session,
    actor: User | None,
    task_id: int,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
    starter: bool = False,
) -> Task:
    """Validate `data` against the task's form, complete the task and run the case to its next wait.

    `starter`: the actor has just started the case and fills in its start form; the process's start
    groups, which the caller checked (processes.starting), let them, whatever the task's lane."""
    now = now or utcnow()
    task, open_tasks = _load_locked(session, task_id)
    require(starter or may_work_on(session, actor, task), Text("you may not work on this task"))
    _require_open(task)
    if actor is not None and task.assignee_id not in (None, actor.id):
        raise TaskClaimedByOther(task.id, _display(task.assignee))
    check_case_data(data)
    form = task_form(session, task)
    if form is not None:
        # Read-only fields come back prefilled with the case data; those values are not a change.
        clean = validate_submission(form, dict(data), current=task.case.data or {})
    elif data:
        raise InvalidFormData({key: Text("unknown field (this task has no form)") for key in data})
    else:
        clean = {}
    check_data_size({**(task.case.data or {}), **clean})
    case = task.case
    try:
        with events.batch(session):
            try:
                snapshot = engine().complete_task(bundle_for(case.version), case.state, task.spiff_task_id, clean,
                                                  services_for(session, case, now), now=now)
            except UnknownTask as err:
                raise Conflict(Text("task %(task_id)s is no longer ready in its case", task_id=task.id)) from err
            except ScriptError as err:
                raise CaseStepFailed(err.element_id, err.message) from err
            task.status = "completed"
            task.completed_at = now
            task.completed_by = actor
            task.form_data = clean
            task.pick_up(now)
            if task.assignee_id is None and actor is not None:
                task.assignee = actor
            events.record(session, "task_completed", at=now, case=case, actor=actor, element_id=task.element_id,
                          task_id=task.id, office=task.group_name, task_name=task.name)
            apply_snapshot(session, case, snapshot, actor=actor, now=now, source=task,
                           open_tasks=open_tasks)
            session.flush()
    except StaleDataError as err:
        raise ConcurrentUpdate(Text("task %(task_id)s was changed by someone else at the same time",
                                    task_id=task_id)) from err
    return task


def _flush(session: Session, task: Task) -> None:
    try:
        session.flush()
    except StaleDataError as err:
        raise ConcurrentUpdate(Text("task %(task_id)s was changed by someone else at the same time",
                                    task_id=task.id)) from err


def list_tasks(
    session: Session,
    actor: User | None,
    *,
    group: str | None = None,
    assignee: User | None = None,
    status: str = "open",
    limit: int = 100,
) -> list[Task]:
    """Open tasks I may work on (the inbox rules, processes.inbox): mine, unclaimed in my groups, all of
    the groups I manage; sorted by due date. The web inbox pages with processes.inbox.inbox_page."""
    query = select(Task).where(Task.status == status)
    if group is not None:
        query = query.where(Task.group_name == group)
    if assignee is not None:
        query = query.where(Task.assignee_id == assignee.id)
    if actor is not None and not actor.has_role("admin"):
        visible, params = visible_condition(visibility(session, actor))
        query = query.where(visible).params(params)
    query = query.order_by(Task.due_at.asc().nulls_last(), Task.id).limit(limit)
    return list(session.scalars(query))
