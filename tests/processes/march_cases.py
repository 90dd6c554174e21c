"""Five requests received in March 2036 and one in January, run through the real operations, with
known timestamps: the dashboard and export tests assert their figures exactly.

The requests are dated in 2036: the engine still reads the wall clock for its deadline timers, so a
past date would fire them at once (reported to the lead). 2036-03-03 is a Monday; 08:00 UTC is
09:00 in Stockholm.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes import events
from processes.cases import start_case
from processes.metrics_filters import Filters
from processes.models import Article, Case, Task, User
from processes.tasks import claim_task, complete_task
from processes.timers import fire_due_timers

MONDAY = datetime(2036, 3, 3, 8, 0, tzinfo=UTC)
MARCH = Filters(start=date(2036, 3, 1), end=date(2036, 3, 31))
NOW = datetime(2036, 3, 11, 12, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)


def open_task(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()


def take_in(session: Session, csu: User, moment: datetime, channel: str, category: str, *,
            first_contact: bool = False, article: str | None = None) -> Case:
    """A request the CSU registers in ten minutes; handed over unless resolved on first contact."""
    case = start_case(session, csu, "citizen_request", {"channel": channel}, now=moment)
    form: dict[str, Any] = {"channel": channel, "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
                            "category": category, "description": f"About {category}",
                            "resolved_on_first_contact": first_contact}
    if article:
        form["kb_article"] = article
    complete_task(session, csu, open_task(session, case, "intake").id, form, now=moment + timedelta(minutes=10))
    return case


def handle(session: Session, officer: User, case: Case, claim_at: datetime, done_at: datetime,
           outcome: str = "resolved", **extra: str) -> None:
    task = open_task(session, case, "handle_request")
    claim_task(session, officer, task.id, now=claim_at)
    complete_task(session, officer, task.id, {"outcome": outcome, **extra}, now=done_at)


def build_march(session: Session, people: dict[str, User]) -> dict[str, Case]:
    """Five requests received in March 2036 and one in January (needs the processes deployed)."""
    csu = people["csu"]
    cases = {"fcr": take_in(session, csu, at(), "phone", "pothole", first_contact=True, article="Potholes")}
    cases["answered"] = take_in(session, csu, at(hours=1), "email", "pothole", article="Potholes")
    handle(session, people["officer"], cases["answered"], at(hours=3, days=0) + timedelta(minutes=10), at(3, 2))
    cases["late"] = late = take_in(session, csu, at(1), "web", "missed_collection")
    handle(session, people["waste_officer"], late, at(1, 4) + timedelta(minutes=10), at(1, 6), "need_info",
           info_question="Which bin?")
    complete_task(session, csu, open_task(session, late, "contact_citizen").id, {"citizen_reply": "The green one"},
                  now=at(2, 1))
    assert fire_due_timers(session, now=at(5, -2)) == 1  # due Friday 3/7 at midnight in Stockholm
    handle(session, people["waste_officer"], late, at(7), at(7, 1))
    cases["rerouted"] = rerouted = take_in(session, csu, at(2), "phone", "pothole")
    handle(session, people["officer2"], rerouted, at(2, 1) + timedelta(minutes=10), at(2, 2), "wrong_office",
           correct_office="waste")
    handle(session, people["waste_officer"], rerouted, at(2, 4), at(3))
    cases["waiting"] = take_in(session, csu, at(3), "walk_in", "streetlight")
    cases["january"] = take_in(session, csu, datetime(2036, 1, 10, 9, tzinfo=UTC), "phone", "pothole",
                               first_contact=True)
    article = Article(title="Potholes", body="Five working days.", category="pothole")
    session.add(article)
    session.flush()
    events.record(session, "kb_helpful", at=at(), case=cases["fcr"], actor=csu, article_id=article.id)
    events.record(session, "kb_not_helpful", at=at(hours=1), actor=csu, article_id=article.id)
    session.commit()
    return cases
