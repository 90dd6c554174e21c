"""Demo building permit applications (the second shipped routine, bpmn/permit_application.bpmn), on top of
the demo year: a few at each point of the routine, so the building permits office finds reviews in its inbox,
its manager an overdue one, the CSU an applicant to call, and the dashboard and heatmap the process.

Demo data only: like the showcase (processes/demo_showcase.py) they run through the real operations at
moments in the past, and name the routine's elements and form keys, which the application never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import Case, Task, User
from .starting import start_case_from_form
from .tasks import complete_task
from .timers import fire_due_timers

KEY = "permit_application"
TECHNICAL = {"technical_result": "met", "technical_notes": "Structure, fire safety and accessibility checked."}
PLANNING = {"planning_result": "complies", "planning_notes": "Within the building rights of the detailed plan."}


@dataclass(frozen=True)
class Application:
    days_ago: float
    applicant: str
    address: str
    works: str
    floor_area: int
    description: str
    stands: str  # new | reviewed_once | overdue | decided | rejected | asked_applicant


APPLICATIONS = (
    Application(70, "Lars Nyberg", "Ekvägen 3", "new_building", 160, "A one-storey house with a carport.", "decided"),
    Application(55, "Maria Sund", "Torget 1", "sign", 0, "A lit sign above the bakery's door.", "rejected"),
    Application(45, "Ahmed Rahimi", "Björkvägen 9", "extension", 30, "A bedroom over the garage.", "overdue"),
    Application(9, "Ulla Berg", "Sjögatan 22", "change_of_use", 120, "A shop turned into two flats.",
                "asked_applicant"),
    Application(4, "Peter Lund", "Kvarngatan 5", "extension", 65, "A second floor on the old mill house.",
                "reviewed_once"),
    Application(0.2, "Nora Ali", "Parkvägen 11", "demolition", 0, "Tearing down a collapsed barn.", "new"),
)


def seed_permit_applications(session: Session, users: dict[str, User], now: datetime) -> list[Case]:
    """The APPLICATIONS, registered by the CSU `days_ago` before `now`; none when the routine is not deployed."""
    try:
        cases = [_run(session, users, item, now - timedelta(days=item.days_ago)) for item in APPLICATIONS]
    except NotFound:
        return []
    for due in sorted(c.due_at for c in cases if c.due_at is not None and c.due_at <= now):
        while fire_due_timers(session, now=due + timedelta(minutes=1)):
            pass
    return cases


def _run(session: Session, users: dict[str, User], item: Application, received: datetime) -> Case:
    email = item.applicant.lower().replace(" ", ".") + "@example.org"
    case = start_case_from_form(session, users["csu"], KEY, {
        "channel": "walk_in", "citizen_name": item.applicant, "citizen_email": email, "property_id": item.address,
        "property_address": item.address, "works": item.works, "floor_area": item.floor_area,
        "description": item.description,
    }, now=received)
    officer, at = users["permits_officer"], received + timedelta(days=2)
    if item.stands == "new":
        return case
    _complete(session, officer, case, "pa_technical_review", TECHNICAL, at)
    if item.stands in ("reviewed_once", "overdue"):
        return case
    _complete(session, officer, case, "pa_planning_review", PLANNING, at + timedelta(days=1))
    decision: dict[str, Any] = {
        "decided": {"decision": "approved", "answer": "Your building permit is granted."},
        "rejected": {"decision": "rejected", "answer": "The detailed plan allows no signs on this facade."},
        "asked_applicant": {"decision": "need_info", "info_question": "How many parking spaces will the flats have?"},
    }[item.stands]
    _complete(session, officer, case, "pa_decide", decision, at + timedelta(days=2))
    return case


def _complete(session: Session, user: User, case: Case, element_id: str, data: dict[str, Any],
              at: datetime) -> None:
    task = session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()
    complete_task(session, user, task.id, data, now=at)
