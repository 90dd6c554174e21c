"""Cases: start, cancel, and the view of one case that the CLI, API and pages share."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine import NotWaiting, ScriptError

from . import events
from .authz import require
from .case_access import CaseView as CaseView
from .case_access import case_diagram as case_diagram
from .case_access import view_case as view_case
from .case_search import CasePage as CasePage
from .case_search import search_cases as search_cases
from .db import utcnow
from .errors import CaseNotOpen, CaseStepFailed, Conflict, NotFound
from .models import UNFIRED_TIMER_STATES, Case, Event, ProcessVersion, Task, Timer, User
from .projection import apply_snapshot
from .routines import version_routine
from .runtime import bundle_for, engine
from .services import services_for
from .start_data import check_start_data
from .texts import Text
from .waits import describe_waits, forget_waits

_CURRENT_VERSION = (  # built once: building a statement costs about as much as running it on SQLite
    select(ProcessVersion)
    .where(ProcessVersion.key == bindparam("key"), ProcessVersion.status == "deployed")
    .order_by(ProcessVersion.version.desc())
    .limit(1)
)


def current_version(session: Session, key: str) -> ProcessVersion:
    """The newest deployed (not retired) version of process `key`."""
    version = session.scalars(_CURRENT_VERSION, {"key": key}).first()
    if version is None:
        raise NotFound(Text("no deployed process '%(key)s'", key=key))
    return version


def start_case(
    session: Session,
    actor: User | None,
    key: str,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
    message: str | None = None,
) -> Case:
    """Start a case of the current version of `key` and run it to its first wait; with `message`,
    by the process's message start event of that name, which catches `data` as its payload."""
    require(actor is None or actor.active, Text("inactive users cannot start cases"))
    now = now or utcnow()
    version = current_version(session, key)
    routine = version_routine(version)
    check_start_data(data, routine)
    bundle = bundle_for(version)
    case = Case(
        version_id=version.id,
        process_key=key,
        status="open",
        data=dict(data),
        state={},
        tracking_token=secrets.token_urlsafe(24),
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
        channel="message" if message is not None else routine.text(data, routine.channel_field),
    )
    session.add(case)
    session.flush()
    case.business_key = f"{bundle.business_key_prefix}-{now.year}-{case.id:06d}"
    with events.batch(session):
        try:
            if message is None:
                snapshot = engine().start(bundle, data, services_for(session, case, now), now=now)
            else:
                snapshot = engine().start_by_message(bundle, message, data, services_for(session, case, now), now=now)
        except NotWaiting as err:
            raise Conflict(Text("process '%(key)s' does not start with message '%(message)s'",
                                key=key, message=message)) from err
        except ScriptError as err:
            raise CaseStepFailed(err.element_id, err.message) from err
        events.record(session, "case_started", at=now, case=case, actor=actor,
                      version=version.version, channel=case.channel)
        apply_snapshot(session, case, snapshot, actor=actor, now=now, new_case=True)
        session.flush()
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(Text("case %(case_id)s not found", case_id=case_id))
    return case


def cancel_case(session: Session, actor: User | None, case_id: int, reason: str, *,
                now: datetime | None = None) -> Case:
    """Stop a case: its open tasks and timers are cancelled, the reason is logged."""
    require(actor is None or actor.has_role("admin") or actor.has_role("manager"),
            Text("only managers and administrators cancel cases"))
    now = now or utcnow()
    case = get_case(session, case_id)
    if case.status != "open":
        raise CaseNotOpen(case_id, case.status)
    for task in case_open_tasks(session, case.id):
        task.status = "cancelled"
        task.completed_at = now
    for timer in session.scalars(select(Timer).where(Timer.case_id == case.id, Timer.state.in_(UNFIRED_TIMER_STATES))):
        timer.state = "cancelled"
    forget_waits(session, case)
    case.status = "cancelled"
    case.closed_at = now
    events.record(session, "case_cancelled", at=now, case=case, actor=actor, reason=reason)
    session.flush()
    return case


def case_open_tasks(session: Session, case_id: int) -> list[Task]:
    return list(session.scalars(
        select(Task).where(Task.case_id == case_id, Task.status == "open").order_by(Task.id)))


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def task_dict(task: Task) -> dict[str, Any]:
    """The stable JSON shape of a task (see DESIGN.md, CLI contract)."""
    return {
        "id": task.id,
        "case_id": task.case_id,
        "element_id": task.element_id,
        "name": task.name,
        "lane": task.lane,
        "group": task.group_name,
        "assignee": task.assignee.username if task.assignee is not None else None,
        "status": task.status,
        "form": task.form,
        "due_at": iso(task.due_at),
        "created_at": iso(task.created_at),
        "completed_at": iso(task.completed_at),
        "completed_by": task.completed_by.username if task.completed_by is not None else None,
    }


def case_dict(session: Session, case: Case) -> dict[str, Any]:
    """The stable JSON shape of a case with its open tasks and its events."""
    version = session.get(ProcessVersion, case.version_id)
    log = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.at, Event.id))
    return {
        "id": case.id,
        "business_key": case.business_key,
        "process_key": case.process_key,
        "version": version.version if version is not None else None,
        "status": case.status,
        "office": case.office,
        "channel": case.channel,
        "category": case.category,
        "due_at": iso(case.due_at),
        "created_at": iso(case.created_at),
        "closed_at": iso(case.closed_at),
        "data": case.data,
        "waiting": [{**wait, "due_at": iso(wait["due_at"])} for wait in describe_waits(session, case)],
        "stuck": case.stuck or [],
        "open_tasks": [task_dict(t) for t in case_open_tasks(session, case.id)],
        "events": [
            {"at": iso(e.at), "kind": e.kind, "element_id": e.element_id, "task_id": e.task_id,
             "office": e.office, "actor": e.actor.username if e.actor is not None else None,
             "details": e.details}
            for e in log
        ],
    }
