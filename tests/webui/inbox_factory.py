"""Cases and tasks for the inbox and manager-view tests, built through the real operations."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.db import utcnow
from processes.models import Case, Task, User
from processes.tasks import complete_task
from processes.timers import fire_due_timers
from tests.citizen_data import INTAKE


def intake_case(session: Session, people: dict[str, User], *, now: datetime | None = None) -> Case:
    """A case waiting at the CSU's intake task."""
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"}, now=now)
    session.commit()
    return case


def office_case(session: Session, people: dict[str, User], *, days_ago: float = 0, **intake: Any) -> Case:
    """A case handed over to the office routing chose (pothole: streets_parks), started `days_ago`."""
    now = utcnow() - timedelta(days=days_ago)
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"}, now=now)
    complete_task(session, people["csu"], open_task(session, case, "intake").id, {**INTAKE, **intake}, now=now)
    session.commit()
    return case


def overdue_case(session: Session, people: dict[str, User], **intake: Any) -> Case:
    """A case whose reply deadline passed a while ago, with its follow-up task for the manager."""
    case = office_case(session, people, days_ago=40, **intake)
    fire_due_timers(session, now=utcnow())
    session.commit()
    return case


def open_task(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()


def fresh(session: Session, task: Task) -> Task:
    """The task as the database has it now (after the app changed it)."""
    return session.get_one(Task, task.id, populate_existing=True)


def listed(client: FlaskClient, query: str = "") -> list[int]:
    """Ids of the tasks the inbox lists, in their order."""
    response = client.get(f"/inbox{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(n) for n in re.findall(r'<a href="/tasks/(\d+)">', response.get_data(as_text=True))]


def next_cursor(html: str) -> str | None:
    match = re.search(r'href="[^"]*[?&]after=([^&"]+)[^"]*" rel="next"', html)
    return match.group(1) if match else None
