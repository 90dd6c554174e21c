"""One citizen view: a contact's requests, and duplicates that follow their original's answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.citizens import citizen_cases, link_duplicate, related_cases
from processes.errors import Conflict, InvalidFormData, PermissionDenied
from processes.models import Case, Event, OutboxMessage, Task, User
from processes.portal import PortalRequest, submit_request
from processes.tasks import claim_task, complete_task
from processes.tracking import tracking_view


def submit(session: Session, email: str, category: str = "pothole") -> Case:
    case = submit_request(session, PortalRequest(category=category, description="Hole again.",
                                                 citizen_name="Nils Ek", citizen_email=email))
    assert case is not None
    session.flush()
    return case


def open_tasks(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")))


def resolve(session: Session, officer: User, case: Case, answer: str) -> None:
    [task] = [t for t in open_tasks(session, case) if t.element_id == "handle_request"]
    claim_task(session, officer, task.id)
    complete_task(session, officer, task.id, {"outcome": "resolved", "answer": answer})


def answers(session: Session, case: Case) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                            OutboxMessage.template == "answer")))


def test_related_cases_match_the_address_in_any_letter_case(session: Session, deployed: None) -> None:
    first = submit(session, "nils.ek@example.org")
    second = submit(session, "Nils.EK@Example.org", "streetlight")
    submit(session, "someone.else@example.org")

    assert {c.id for c in related_cases(session, second)} == {first.id, second.id}


def test_only_the_csu_and_administrators_see_a_citizens_requests(
        session: Session, deployed: None, people: dict[str, User]) -> None:
    case = submit(session, "nils.ek@example.org")
    with pytest.raises(PermissionDenied):
        citizen_cases(session, people["officer"], case.id)
    assert citizen_cases(session, people["csu"], case.id)[1] == [case]


def test_a_duplicate_is_closed_and_gets_the_originals_answer(
        session: Session, deployed: None, people: dict[str, User]) -> None:
    original = submit(session, "nils.ek@example.org")
    repeat = submit(session, "nils.ek@example.org")

    link_duplicate(session, people["csu"], repeat.id, original.id)

    assert (repeat.status, repeat.data["duplicate_of"]) == ("closed", original.id)
    assert open_tasks(session, repeat) == []
    assert tracking_view(session, repeat.tracking_token or "").stage == "duplicate"
    assert answers(session, repeat) == []

    resolve(session, people["officer"], original, "Filled on Monday.")

    [mail] = answers(session, repeat)
    assert "Filled on Monday." in mail.body and mail.to_address == "nils.ek@example.org"
    view = tracking_view(session, repeat.tracking_token or "")
    assert view.answered and view.milestones[-1].text == "Filled on Monday."
    kinds = set(session.scalars(select(Event.kind).where(Event.case_id == original.id)))
    assert "duplicate_linked" in kinds


def test_linking_to_an_answered_case_sends_its_answer_at_once(
        session: Session, deployed: None, people: dict[str, User]) -> None:
    original = submit(session, "nils.ek@example.org")
    resolve(session, people["officer"], original, "Already fixed.")
    repeat = submit(session, "nils.ek@example.org")

    link_duplicate(session, people["csu"], repeat.id, original.id)

    assert "Already fixed." in answers(session, repeat)[0].body


def test_a_duplicate_of_a_duplicate_follows_the_first_request(
        session: Session, deployed: None, people: dict[str, User]) -> None:
    first, second, third = (submit(session, "nils.ek@example.org") for _ in range(3))
    link_duplicate(session, people["csu"], second.id, first.id)

    link_duplicate(session, people["csu"], third.id, second.id)

    assert third.data["duplicate_of"] == first.id


def test_links_that_make_no_sense_are_refused(session: Session, deployed: None, people: dict[str, User]) -> None:
    case = submit(session, "nils.ek@example.org")
    other = submit(session, "nils.ek@example.org")
    with pytest.raises(InvalidFormData):
        link_duplicate(session, people["csu"], case.id, case.id)
    with pytest.raises(PermissionDenied):
        link_duplicate(session, people["officer"], case.id, other.id)
    link_duplicate(session, people["csu"], case.id, other.id)
    with pytest.raises(Conflict):
        link_duplicate(session, people["csu"], case.id, other.id)
