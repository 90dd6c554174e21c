"""Who may see a case, and everything the case page shows: diagram, path taken, timeline, tasks.

One visibility rule serves both the case view and the case search: CSU agents, analysts and
administrators see every case; everybody else sees the cases routed to one of their groups or
that ever had a task for one of their groups (an officer keeps seeing a case rerouted away).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from engine.xml import XmlRejected, parse_xml

from .authz import group_roles, require
from .db import utcnow
from .errors import NotFound
from .events import in_story_order
from .models import Case, Event, ProcessVersion, Task, Timer, User
from .routines import Routine, case_routine
from .texts import Text
from .timers import failed_timers

SEES_EVERY_CASE = ("csu_agent", "analyst", "admin")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def sees_every_case(user: User | None) -> bool:
    """`None` is the system (CLI, workers)."""
    return user is None or any(user.has_role(role) for role in SEES_EVERY_CASE)


def visible_cases(session: Session, user: User | None) -> ColumnElement[bool]:
    """A WHERE clause on Case that keeps the cases `user` may see."""
    if sees_every_case(user):
        return true()
    assert user is not None
    groups = list(group_roles(session, user))
    if not groups:
        return false()
    had_task = exists(select(Task.id).where(Task.case_id == Case.id, Task.group_name.in_(groups)))
    return or_(Case.office.in_(groups), had_task)


def may_see_case(session: Session, user: User | None, case: Case) -> bool:
    if sees_every_case(user):
        return True
    query = select(Case.id).where(Case.id == case.id, visible_cases(session, user))
    return session.scalar(query) is not None


def readable_case(session: Session, actor: User | None, case_id: int) -> Case:
    """The case, or NotFound / PermissionDenied."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(Text("case %(case_id)s not found", case_id=case_id))
    require(may_see_case(session, actor, case), Text("you may not see case %(case)s",
                                                     case=case.business_key or case_id))
    return case


@dataclass(frozen=True)
class CaseView:
    """What the case page shows; `done` and `active` are element ids for the diagram."""

    case: Case
    version: ProcessVersion
    diagram_xml: str | None
    active: list[str]
    done: list[str]
    timeline: list[Event]
    tasks: dict[int, Task]
    open_tasks: list[Task]
    business: dict[str, Any]
    other_data: dict[str, Any]
    overdue: bool
    failed_timers: list[Timer]


def view_case(session: Session, actor: User | None, case_id: int) -> CaseView:
    """Everything about one case that `actor` may see; PermissionDenied when it is not theirs."""
    case = readable_case(session, actor, case_id)
    version = session.get(ProcessVersion, case.version_id)
    assert version is not None
    log = in_story_order(session.scalars(select(Event).where(Event.case_id == case.id)))
    tasks = {t.id: t for t in session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id))}
    open_tasks = [t for t in tasks.values() if t.status == "open"]
    active = _unique(t.element_id for t in open_tasks)
    completed = _unique(e.element_id for e in log if e.kind == "element_completed" and e.element_id)
    xml = diagram_xml(version)
    data = dict(case.data or {})
    routine = case_routine(case)
    # The fields the case page lists first (_business_fields); the rest of the case data follows as JSON.
    shown = (routine.citizen_name_field, routine.citizen_email_field, routine.channel_field, routine.category_field,
             routine.office_field, routine.due_field, routine.description_field, routine.answer_field)
    listed = {key for key in shown if key}
    return CaseView(
        case=case, version=version, diagram_xml=xml, active=active,
        done=completed + taken_flows(xml, set(completed), set(active)),
        timeline=[e for e in log if e.kind != "element_completed"],
        tasks=tasks, open_tasks=open_tasks,
        business=_business_fields(case, data, routine, log, tasks.values()),
        other_data={k: v for k, v in data.items() if k not in listed},
        overdue=case.status == "open" and case.due_at is not None and case.due_at < utcnow(),
        failed_timers=failed_timers(session, case.id),
    )


def case_diagram(session: Session, actor: User | None, case_id: int) -> str:
    """The BPMN XML of the version the case runs on."""
    case = readable_case(session, actor, case_id)
    version = session.get(ProcessVersion, case.version_id)
    xml = diagram_xml(version) if version is not None else None
    if xml is None:
        raise NotFound(Text("the version of case %(case_id)s has no diagram", case_id=case_id))
    return xml


def diagram_xml(version: ProcessVersion) -> str | None:
    """The .bpmn file of the version: the one defining the process key, else the first."""
    files = [f for f in version.files if f.kind == "bpmn"]
    for file in files:
        if f'id="{version.key}"' in file.content:
            return file.content
    return files[0].content if files else None


def taken_flows(xml: str | None, done: set[str], active: set[str]) -> list[str]:
    """Sequence flows from a completed element to a completed or current one: the path drawn green."""
    if not xml or not done:
        return []
    try:
        root = parse_xml(xml)
    except XmlRejected:
        return []
    flows = root.iter(f"{{{BPMN_NS}}}sequenceFlow")
    return [f.get("id", "") for f in flows
            if f.get("sourceRef") in done and f.get("targetRef") in done | active and f.get("id")]


def _business_fields(case: Case, data: dict[str, Any], routine: Routine, log: Iterable[Event],
                     tasks: Iterable[Task]) -> dict[str, Any]:
    """The case's columns (what routing and the inbox use), the texts the routine names, and how often the
    case was rerouted (its events) and the citizen asked for information (tasks whose `info_request_when` held)."""
    return dict(citizen_name=case.citizen_name, citizen_email=case.citizen_email, channel=case.channel,
                category=case.category, office=case.office, due_at=case.due_at,
                description=routine.text(data, routine.description_field),
                answer=routine.text(data, routine.answer_field),
                reroute_count=sum(1 for e in log if e.kind == "rerouted"),
                info_requests=sum(1 for t in tasks if t.status == "completed"
                                  and routine.is_info_request(t.element_id, t.form_data)))


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
