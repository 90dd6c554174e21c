"""A few open requests at set points of the routine, on top of the demo year (processes/demo_live.py).

The year's open cases fall where the dice put them; these make sure that each demo login finds
something on its own pages: the Streets and parks manager overdue follow-ups and work to reassign,
the officer new and claimed tasks, the CSU a citizen to call back, the waste office a new request.
They run through the real operations at moments in the past, like any other live demo case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .handover import start_with_intake
from .models import Case, Task, User
from .tasks import claim_task, complete_task
from .timers import fire_due_timers


@dataclass(frozen=True)
class Showcase:
    days_ago: float
    category: str
    citizen: str
    description: str
    stands: str  # new | claimed | overdue | overdue_claimed | asked_citizen


SHOWCASE = (
    Showcase(16, "pothole", "Nils Berg", "Deep pothole outside Storgatan 14; a cyclist fell there yesterday.",
             "overdue"),
    Showcase(21, "streetlight", "Sara Lind", "Three streetlights are out along the footpath by Rosenparken.",
             "overdue_claimed"),
    Showcase(0.1, "pothole", "Omar Haddad", "Loose paving stones at the bus stop on Kungsgatan.", "new"),
    Showcase(1, "streetlight", "Elin Ek", "The streetlight outside the school on Skolvägen flickers all night.",
             "claimed"),
    Showcase(2, "pothole", "Karl Holm", "A hole in the cycle lane on Ågatan, somewhere near the bridge.",
             "asked_citizen"),
    Showcase(1, "missed_collection", "Tove Falk", "Our bin on Björkvägen 3 has not been emptied for two weeks.",
             "new"),
)


def seed_showcase(session: Session, users: dict[str, User], now: datetime) -> list[Case]:
    """The SHOWCASE requests, received `days_ago` before `now`; their deadlines fire up to `now`."""
    cases = [_run(session, users, item, now - timedelta(days=item.days_ago)) for item in SHOWCASE]
    # As a worker would have: each deadline fires when it passes, not all of them now.
    for due in sorted(c.due_at for c in cases if c.due_at is not None and c.due_at <= now):
        while fire_due_timers(session, now=due + timedelta(minutes=1)):
            pass
    return cases


def _run(session: Session, users: dict[str, User], item: Showcase, received: datetime) -> Case:
    email = item.citizen.lower().replace(" ", ".").replace("ö", "o") + "@example.org"
    case = start_with_intake(session, users["csu"], {"channel": "phone"}, {
        "channel": "phone", "citizen_name": item.citizen, "citizen_email": email, "category": item.category,
        "description": item.description, "resolved_on_first_contact": False,
    }, now=received)
    if item.stands in ("claimed", "overdue_claimed", "asked_citizen"):
        task = _open(session, case, "handle_request")
        claim_task(session, users["officer"], task.id, now=received + timedelta(hours=1))
        if item.stands == "asked_citizen":
            complete_task(session, users["officer"], task.id, {
                "outcome": "need_info", "info_question": "Which side of the bridge is it on, and how deep is it?",
            }, now=received + timedelta(hours=2))
    return case


def _open(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()
