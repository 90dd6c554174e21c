"""The second shipped routine, permit_application, through the application core on a real database:
started from its start form, two reviews worked by two officers in separate transactions, overdue
reviews escalated by the timers, the decision sent to the applicant, the case closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.errors import PermissionDenied
from processes.models import Case, Event, OutboxMessage, Task, User
from processes.starting import start_case_from_form, startable_processes
from processes.tasks import claim_task, complete_task, list_tasks
from processes.timers import fire_due_timers
from processes.unit import Database
from tests.conftest import create_user
from tests.permit_data import APPROVAL, PLANNING, REGISTRATION, TECHNICAL

pytestmark = pytest.mark.usefixtures("deployed")
MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)


@pytest.fixture
def permits(session: Session, people: dict[str, User]) -> dict[str, User]:
    """Two officers and a manager of building permits."""
    cast = {
        "bo": create_user(session, "bo", ["officer"], ("building_permits",)),
        "eva": create_user(session, "eva", ["officer"], ("building_permits",)),
        "petra": create_user(session, "petra", ["manager", "officer"], ("building_permits",), manager=True),
    }
    session.commit()
    return cast


def open_tasks(session: Session, case_id: int) -> dict[str, Task]:
    return {t.element_id: t for t in session.scalars(select(Task).where(Task.case_id == case_id,
                                                                         Task.status == "open"))}


def started(session: Session, actor: User, at: datetime = MONDAY) -> int:
    case = start_case_from_form(session, actor, "permit_application", REGISTRATION, now=at)
    session.commit()
    return case.id


def test_who_may_start_it(session: Session, people: dict[str, User], permits: dict[str, User]) -> None:
    # by name: "Building permit application", "Citizen request"
    assert [p.key for p in startable_processes(session, people["csu"])] == ["permit_application",
                                                                            "citizen_request"]
    assert [p.key for p in startable_processes(session, permits["bo"])] == ["permit_application"]
    assert startable_processes(session, people["officer"]) == []
    with pytest.raises(PermissionDenied):
        start_case_from_form(session, people["officer"], "permit_application", REGISTRATION)


def test_two_officers_review_at_once_and_the_decision_closes_the_case(
        db: Database, session: Session, people: dict[str, User], permits: dict[str, User]) -> None:
    case_id = started(session, people["csu"])
    case = session.get(Case, case_id)
    assert case is not None and case.business_key == f"PA-2026-{case_id:06d}"
    assert (case.office, case.category, case.citizen_email) == ("building_permits", "extension", "nils@example.org")
    reviews = open_tasks(session, case_id)
    assert sorted(reviews) == ["pa_planning_review", "pa_technical_review"]
    assert {(t.group_name, t.managers_only, t.due_at) for t in reviews.values()} == {
        ("building_permits", False, case.due_at)}
    assert {t.id for t in list_tasks(session, permits["eva"])} >= {t.id for t in reviews.values()}

    # Two officers, two transactions: each claims and completes one review.
    for name, element, data in (("bo", "pa_technical_review", TECHNICAL), ("eva", "pa_planning_review", PLANNING)):
        with db.sessions() as request:
            officer = request.get(User, permits[name].id)
            assert officer is not None
            claim_task(request, officer, reviews[element].id, now=MONDAY + timedelta(hours=1))
            complete_task(request, officer, reviews[element].id, data, now=MONDAY + timedelta(hours=2))
            request.commit()

    session.expire_all()
    decide = open_tasks(session, case_id)["pa_decide"]
    complete_task(session, permits["bo"], decide.id, APPROVAL, now=MONDAY + timedelta(days=1))
    session.commit()
    case = session.get(Case, case_id)
    assert case is not None and case.status == "closed"
    assert case.answered_by == "building_permits"
    templates = session.scalars(select(OutboxMessage.template).where(OutboxMessage.case_id == case_id)
                                .order_by(OutboxMessage.id)).all()
    assert templates == ["acknowledgement", "answer"]


def test_overdue_reviews_give_the_office_manager_follow_ups(
        session: Session, people: dict[str, User], permits: dict[str, User]) -> None:
    case_id = started(session, people["csu"])
    technical = open_tasks(session, case_id)["pa_technical_review"]
    complete_task(session, permits["bo"], technical.id, TECHNICAL, now=MONDAY + timedelta(hours=1))
    session.commit()
    case = session.get(Case, case_id)
    assert case is not None and case.due_at is not None

    assert fire_due_timers(session, now=case.due_at - timedelta(minutes=1)) == 0
    assert fire_due_timers(session, now=case.due_at + timedelta(minutes=1)) == 1
    session.commit()
    tasks = open_tasks(session, case_id)
    assert sorted(tasks) == ["pa_follow_up_planning", "pa_planning_review"]
    follow_up = tasks["pa_follow_up_planning"]
    assert (follow_up.group_name, follow_up.managers_only) == ("building_permits", True)
    assert follow_up.id in {t.id for t in list_tasks(session, permits["petra"])}
    assert follow_up.id not in {t.id for t in list_tasks(session, permits["eva"])}
    with pytest.raises(PermissionDenied):
        complete_task(session, permits["eva"], follow_up.id, {"follow_up_action": "reminded_officer",
                                                               "follow_up_note": "Not mine to do."})
    session.rollback()
    escalations = session.scalars(select(Event.element_id).where(Event.case_id == case_id,
                                                                 Event.kind == "escalated")).all()
    assert escalations == ["pa_follow_up_planning"]

    complete_task(session, permits["petra"], follow_up.id,
                  {"follow_up_action": "reminded_officer", "follow_up_note": "Eva finishes it today."})
    complete_task(session, permits["eva"], tasks["pa_planning_review"].id, PLANNING)
    complete_task(session, permits["eva"], open_tasks(session, case_id)["pa_decide"].id,
                  {"decision": "rejected", "answer": "The plan does not allow a veranda here."})
    session.commit()
    case = session.get(Case, case_id)
    assert case is not None and case.status == "closed"
