"""What the task page shows (case summary, deadline, timeline, form) and what a submission did.

The page renders the form of the version the case runs on, prefilled with the case data; a
submission goes through `complete_task`, and `submit_task` reports where the case went next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import events
from .authz import may_work_on
from .db import utcnow
from .errors import InvalidFormData
from .json_values import parse_client_json
from .models import Case, Event, Task, User
from .routines import case_routine
from .runtime import calendar
from .tasks import ConcurrentUpdate, complete_task, task_form, view_task
from .texts import Text

# The timeline shows these; element_completed and the like are engine detail, not history.
TIMELINE_KINDS = frozenset({
    "case_started", "task_created", "task_claimed", "task_unclaimed", "task_assigned", "task_completed",
    "task_cancelled", "handed_over", "returned_to_csu", "rerouted", "escalated", "notification_queued",
    "case_closed", "case_cancelled",
})
MOVES = ("handed_over", "returned_to_csu", "rerouted")
MAX_PAYLOAD = 200_000  # characters of JSON; fields have their own, smaller limits


@dataclass(frozen=True)
class Deadline:
    """A reply deadline seen from `now`: working days left, or working days overdue."""

    due_at: datetime
    overdue: bool
    working_days: int


def deadline(due_at: datetime | None, now: datetime) -> Deadline | None:
    """Working days left until `due_at` (0: due today), or how many it is overdue by."""
    if due_at is None:
        return None
    if now <= due_at:
        return Deadline(due_at, False, calendar().working_days_between(now, due_at))
    return Deadline(due_at, True, calendar().working_days_between(due_at, now))


@dataclass(frozen=True)
class TaskPage:
    """Everything the task page shows; `editable` means the actor may submit the form now."""

    task: Task
    case: Case
    form: dict[str, Any] | None
    data: dict[str, Any]
    deadline: Deadline | None
    timeline: list[Event]
    tasks: dict[int, Task]
    groups: dict[str, str]
    may_work: bool
    editable: bool
    claimable: bool
    texts: dict[str, str | None]  # the request's texts, from the fields the routine names (Routine.texts)


def group_titles(session: Session) -> dict[str, str]:
    """Group name -> title, for people-facing text."""
    from .case_search import group_titles as titles_by_name
    return titles_by_name(session)


def task_page(session: Session, actor: User | None, task_id: int, *, now: datetime | None = None) -> TaskPage:
    """The task page of `task_id` for `actor`; PermissionDenied when the actor may not see it."""
    task = view_task(session, actor, task_id)
    case = task.case
    log = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.at, Event.id))
    may_work = may_work_on(session, actor, task)
    is_open = task.status == "open"
    mine_or_free = task.assignee_id is None or (actor is not None and task.assignee_id == actor.id)
    return TaskPage(
        task=task, case=case, form=task_form(session, task),
        data=dict(task.form_data or {}) if task.status == "completed" else dict(case.data or {}),
        # a closed case has no time left, however late it was
        deadline=deadline(case.due_at or task.due_at, now or utcnow()) if case.status == "open" else None,
        timeline=[e for e in events.in_story_order(log) if e.kind in TIMELINE_KINDS],
        tasks={t.id: t for t in session.scalars(select(Task).where(Task.case_id == case.id))},
        groups=group_titles(session),
        may_work=may_work,
        editable=is_open and may_work and mine_or_free,
        claimable=is_open and may_work and task.assignee_id is None,
        texts=case_routine(case).texts(case.data),
    )


def parse_payload(raw: str | None) -> dict[str, Any]:
    """The form data the browser wrote as JSON; InvalidFormData when it is not a JSON object."""
    if raw is None or not raw.strip():
        raise InvalidFormData({"_form": Text("No form data was received. Is JavaScript enabled?")})
    if len(raw) > MAX_PAYLOAD:
        raise InvalidFormData({"_form": Text("The form data is too large.")})
    try:
        data = parse_client_json(raw, "_form")
    except InvalidFormData as err:
        detail = err.errors["_form"].removeprefix("not valid JSON: ")
        raise InvalidFormData({"_form": Text("The form data could not be read (malformed JSON: %(detail)s).",
                                             detail=detail)}) from None
    if not isinstance(data, dict):
        raise InvalidFormData({"_form": Text("The form data must be an object of field values.")})
    return data


@dataclass(frozen=True)
class NextStep:
    """Where a case went after a task: `move` is handed_over, returned_to_csu, rerouted or None."""

    case: Case
    closed: bool
    move: str | None
    tasks: list[Task]
    office: str | None
    office_title: str | None
    due_at: datetime | None


def submit_task(session: Session, actor: User | None, task_id: int, data: dict[str, Any], *,
                now: datetime | None = None) -> NextStep:
    """Complete the task with `data` (see complete_task) and report where the case went next."""
    now = now or utcnow()
    task = view_task(session, actor, task_id)
    before = set(session.scalars(select(Task.id).where(Task.case_id == task.case_id, Task.status == "open")))
    try:
        task = complete_task(session, actor, task_id, data, now=now)
    except StaleDataError as err:  # an autoflush inside the step met the other writer's case version
        raise ConcurrentUpdate(Text("task %(task_id)s was changed by someone else at the same time",
                                    task_id=task_id)) from err
    return next_step(session, task.case, before, now)


def next_step(session: Session, case: Case, before: set[int], now: datetime) -> NextStep:
    """The tasks that appeared since `before` (open task ids) and the hand-over recorded at `now`."""
    created = [t for t in session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")
                                          .order_by(Task.id)) if t.id not in before]
    move = session.scalars(select(Event.kind).where(Event.case_id == case.id, Event.at == now,
                                                    Event.kind.in_(MOVES)).order_by(Event.id.desc())).first()
    office = created[0].group_name if created else None
    titles = group_titles(session)
    return NextStep(case=case, closed=case.status == "closed", move=move, tasks=created, office=office,
                    office_title=titles.get(office or "", office), due_at=case.due_at)
