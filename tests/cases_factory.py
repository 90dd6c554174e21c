"""Cases for the case page tests, built through the real operations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.models import Case, Task, User
from processes.tasks import complete_task
from tests.citizen_data import INTAKE


def open_task(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()


def handed_over(session: Session, people: dict[str, User], **intake: Any) -> Case:
    """A case taken in by the CSU and waiting at `handle_request` in the office routing chose."""
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    complete_task(session, people["csu"], open_task(session, case, "intake").id, {**INTAKE, **intake})
    session.commit()
    return case


def resolved_at_once(session: Session, people: dict[str, User], **intake: Any) -> Case:
    """A case the CSU closed on first contact."""
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    complete_task(session, people["csu"], open_task(session, case, "intake").id,
                  {**INTAKE, "resolved_on_first_contact": True, **intake})
    session.commit()
    return case
