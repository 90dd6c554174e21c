"""Demo data: offices, users for every role, knowledge-base articles and cases in every state.

Demo data only: the passwords are public. Idempotent for people and offices; cases are added.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cases import start_case
from .db import utcnow
from .models import Article, Task, User
from .tasks import claim_task, complete_task
from .users import add_member, ensure_group, ensure_user

DEMO_PASSWORD = "demo"
OFFICES = {
    "streets_parks": "Streets and parks",
    "building_permits": "Building permits",
    "social_services": "Social services",
    "education": "Education",
    "waste": "Waste and recycling",
}
CATEGORIES = ("pothole", "streetlight", "building_permit", "financial_aid", "school_placement",
              "missed_collection")
CHANNELS = ("phone", "walk_in", "email", "web", "app")
# login -> (display name, roles, groups, manager of its groups)
PEOPLE: dict[str, tuple[str, list[str], list[str], bool]] = {
    "csu": ("Cecilia CSU-agent", ["csu_agent"], ["csu"], False),
    "officer": ("Oskar Officer", ["officer"], ["streets_parks"], False),
    "manager": ("Maja Manager", ["manager", "officer"], ["streets_parks"], True),
    "analyst": ("Anders Analyst", ["analyst"], [], False),
    "admin": ("Astrid Admin", ["admin"], [], False),
    "waste_officer": ("Wilma Waste", ["officer"], ["waste"], False),
    "permits_officer": ("Bo Builder", ["officer"], ["building_permits"], False),
}
ARTICLES = [
    ("Reporting a pothole", "pothole", "Potholes are repaired within 5 working days. Ask for the exact "
     "address and the size. Dangerous holes (deeper than 5 cm on a main road) are handed over at once."),
    ("Broken streetlight", "streetlight", "Ask for the lamp post number (on a sticker on the post). "
     "Repairs are batched weekly."),
    ("When is my bin emptied?", "missed_collection", "Collection days are on the waste calendar. If "
     "the bin was out by 06:00 on the day and was missed, hand the case over to Waste."),
    ("Applying for a building permit", "building_permit", "Applications are made on the e-service. "
     "A complete application is decided within 10 weeks. Questions about a running case go to Building permits."),
    ("Financial aid: first contact", "financial_aid", "Explain the right to apply and book a meeting "
     "with Social services. Never discuss a person's case on the phone without identification."),
    ("School placement and transfers", "school_placement", "Placements for the autumn term are decided "
     "in April. Transfer requests are handled by Education."),
]
NAMES = ("Alva Berg", "Nils Ek", "Sara Lind", "Omar Haddad", "Elin Sjö", "Karl Nyström", "Leila Amini",
         "Johan Holm", "Ines Falk", "Tove Strand")


def seed_people(session: Session) -> dict[str, User]:
    ensure_group(session, "csu", "Citizen Service Unit", "csu")
    for name, title in OFFICES.items():
        ensure_group(session, name, title, "office")
    users = {}
    for login, (display, roles, groups, manager) in PEOPLE.items():
        user = ensure_user(session, login, display_name=display, roles=roles, password=DEMO_PASSWORD,
                           email=f"{login}@onestop.example")
        for group in groups:
            add_member(session, user, ensure_group(session, group, group), manager=manager)
        users[login] = user
    return users


def seed_articles(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(Article)):
        return
    for title, category, body in ARTICLES:
        session.add(Article(title=title, category=category, body=body))
    session.flush()


def _open_task(session: Session, case_id: int, element_id: str) -> Task | None:
    return session.scalars(select(Task).where(Task.case_id == case_id, Task.element_id == element_id,
                                              Task.status == "open")).first()


def seed_cases(session: Session, users: dict[str, User], count: int, *, seed: int = 7,
               progress: Callable[[int], None] | None = None) -> int:
    """`count` cases spread over the last weeks, stopped at different points of the routine."""
    rng = random.Random(seed)
    officers = {"streets_parks": users["officer"], "waste": users["waste_officer"],
                "building_permits": users["permits_officer"]}
    end = utcnow()
    for n in range(count):
        start = end - timedelta(days=rng.uniform(0, 30), hours=rng.uniform(0, 8))

        def at(hours: float, s: datetime = start) -> datetime:
            return min(s + timedelta(hours=hours), end)

        name = rng.choice(NAMES)
        case = start_case(session, users["csu"], "citizen_request", {"channel": rng.choice(CHANNELS)}, now=start)
        intake = _open_task(session, case.id, "intake")
        assert intake is not None
        resolved_now = rng.random() < 0.3
        category = rng.choice(CATEGORIES)
        complete_task(session, users["csu"], intake.id, {
            "channel": case.channel, "citizen_name": name,
            "citizen_email": name.lower().replace(" ", ".").replace("ö", "o").replace("ä", "a") + "@example.org",
            "category": category, "description": f"Demo request {n + 1} about {category.replace('_', ' ')}.",
            "resolved_on_first_contact": resolved_now,
            **({"kb_article": ARTICLES[CATEGORIES.index(category)][0]} if resolved_now else {}),
        }, now=at(0.2))
        if resolved_now:
            continue
        _progress_office(session, case.id, officers, rng, at)
        if progress:
            progress(n + 1)
    return count


def _progress_office(session: Session, case_id: int, officers: dict[str, User], rng: random.Random,
                     at: Callable[[float], datetime]) -> None:
    """Move a handed-over case on: leave it waiting, resolve it, or ask the citizen first."""
    stage = rng.random()
    task = _open_task(session, case_id, "handle_request")
    if task is None or stage < 0.35:
        return
    officer = officers.get(task.group_name or "")
    if officer is None:
        return
    claim_task(session, officer, task.id, now=at(20))
    if stage < 0.5:
        return
    if stage < 0.7:
        complete_task(session, officer, task.id, {"outcome": "need_info",
                                                  "info_question": "Could you send a photo?"}, now=at(30))
        return
    complete_task(session, officer, task.id, {"outcome": "resolved",
                                              "answer": "Thank you, this has been taken care of."}, now=at(50))
