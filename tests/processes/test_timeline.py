"""The history as people read it: the case starts first, a closed case has no days left, names stay as they were."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.events import in_story_order
from processes.models import Event, Task, User
from processes.task_page import task_page
from processes.tasks import complete_task
from tests.cases_factory import handed_over, open_task

AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_at_the_same_moment_the_case_starts_first_then_a_completion_then_what_it_caused() -> None:
    log = [Event(id=5, kind="task_created", at=AT), Event(id=6, kind="task_completed", at=AT),
           Event(id=7, kind="case_started", at=AT), Event(id=2, kind="notification_queued", at=AT.replace(hour=8))]
    assert [e.kind for e in in_story_order(log)] == [
        "notification_queued", "case_started", "task_completed", "task_created"]


def test_a_closed_case_shows_no_working_days_left(session: Session, people: dict[str, User], deployed: None) -> None:
    case = handed_over(session, people)
    handle = open_task(session, case, "handle_request")
    assert task_page(session, people["officer"], handle.id).deadline is not None
    complete_task(session, people["officer"], handle.id, {"outcome": "resolved", "answer": "Fixed."})
    session.commit()
    assert case.status == "closed"
    assert task_page(session, people["officer"], handle.id).deadline is None


def test_task_events_keep_the_name_the_task_had(session: Session, people: dict[str, User], deployed: None) -> None:
    case = handed_over(session, people)
    handle = open_task(session, case, "handle_request")
    handle.name = "Renamed later"  # as a migration to a version that renamed the element would
    session.commit()
    rows = session.execute(select(Event.kind, Event.details).where(Event.case_id == case.id,
                                                                   Event.kind.like("task_%"))).all()
    names = {(kind, (details or {}).get("task_name")) for kind, details in rows}
    assert ("task_created", "Handle request") in names and ("task_completed", "Intake") in names
    assert session.get(Task, handle.id).name == "Renamed later"  # type: ignore[union-attr]
