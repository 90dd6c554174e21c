"""A message without a case finds it by BPMN correlation (the values its payload carries), or starts a
case of the process that starts with it; never an arbitrary case. Real database, both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.delivery import correlate_message, send_message
from processes.deployments import deploy_version
from processes.errors import NotCorrelated, NotWaitingFor, PermissionDenied, ProcessNotDeployable
from processes.models import Case, CaseWait, Event, User
from processes.waits import fingerprint

BPMN = Path(__file__).resolve().parents[1] / "conformance" / "bpmn"
FILES = ("message_correlation.bpmn", "message_start.bpmn", "message_throw_catch.bpmn")


@pytest.fixture(autouse=True)
def processes(session: Session, people: dict[str, User]) -> None:
    deploy_version(session, people["admin"], {name: (BPMN / name).read_text() for name in FILES})
    session.commit()


def awaiting_decision(session: Session, people: dict[str, User], application_id: str) -> Case:
    case = start_case(session, people["csu"], "message_correlation", {"application_id": application_id})
    session.commit()
    return case


def test_a_waiting_message_is_indexed_by_its_correlation_values(session: Session, people: dict[str, User]) -> None:
    case = awaiting_decision(session, people, "A-17")
    expected = ["application", '{"application_id":"A-17"}']
    assert case.waiting == [{"element_id": "wait_decision", "kind": "message", "name": "decision",
                             "correlations": [expected]}]
    rows = session.scalars(select(CaseWait.correlation).where(CaseWait.case_id == case.id))
    assert list(rows) == [fingerprint(*expected)]


def test_a_message_finds_the_one_case_its_payload_correlates_to(session: Session, people: dict[str, User]) -> None:
    other = awaiting_decision(session, people, "A-16")
    case = awaiting_decision(session, people, "A-17")
    found = correlate_message(session, people["csu"], "decision", {"application_id": "A-17", "outcome": "granted"})
    session.commit()
    assert (found.case.id, found.started) == (case.id, False)
    assert case.status == "closed" and case.data["outcome"] == "granted"
    session.refresh(other)
    assert other.status == "open" and other.waiting and "outcome" not in other.data


def test_a_message_no_case_correlates_to_changes_nothing(session: Session, people: dict[str, User]) -> None:
    case = awaiting_decision(session, people, "A-17")
    version = case.lock_version
    with pytest.raises(NotCorrelated, match="no case waits for message 'decision' with these correlation values"):
        correlate_message(session, people["csu"], "decision", {"application_id": "A-99"})
    with pytest.raises(NotCorrelated, match="lacks the fields"):
        correlate_message(session, people["csu"], "decision", {"outcome": "granted"})
    session.rollback()
    session.refresh(case)
    assert (case.status, case.lock_version) == ("open", version)


def test_a_message_several_cases_correlate_to_reaches_none(session: Session, people: dict[str, User]) -> None:
    first, second = awaiting_decision(session, people, "A-17"), awaiting_decision(session, people, "A-17")
    with pytest.raises(NotCorrelated, match=f"2 cases \\({first.business_key}, {second.business_key}\\)"):
        correlate_message(session, people["csu"], "decision", {"application_id": "A-17", "outcome": "x"})
    session.rollback()
    assert [session.get(Case, c.id).status for c in (first, second)] == ["open", "open"]  # type: ignore[union-attr]


def test_a_message_with_other_values_is_refused_by_case_id(session: Session, people: dict[str, User]) -> None:
    case = awaiting_decision(session, people, "A-17")
    with pytest.raises(NotWaitingFor, match='waits for message .decision. with application_id = "A-17", '
                                           'not with application_id = "A-18"'):
        send_message(session, people["csu"], case.id, "decision", {"application_id": "A-18", "outcome": "x"})


def test_a_message_start_event_starts_a_case_that_later_messages_correlate_to(
    session: Session, people: dict[str, User]
) -> None:
    found = correlate_message(session, people["csu"], "application_received", {"application_id": "B-1", "kind": "tree"})
    session.commit()
    case = found.case
    assert found.started and case.process_key == "message_start" and case.channel == "message"
    assert case.data["kind"] == "tree" and case.created_by_id == people["csu"].id
    [started] = session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == "case_started"))
    assert started.details["channel"] == "message"
    # SpiffWorkflow took the values from the start message: the ruling finds the case by them.
    again = correlate_message(session, people["csu"], "ruling", {"application_id": "B-1", "outcome": "felled"})
    session.commit()
    assert (again.case.id, again.started, case.status, case.data["outcome"]) == (case.id, False, "closed", "felled")


def test_a_waiting_case_takes_the_message_before_a_new_case_is_started(
    session: Session, people: dict[str, User]
) -> None:
    """Precedence: a case waiting at the message start event with these values first, else a new case."""
    waiting = start_case(session, people["csu"], "message_start", {"application_id": "C-1"})
    session.commit()
    assert [w["name"] for w in waiting.waiting or []] == ["application_received"]
    found = correlate_message(session, people["csu"], "application_received", {"application_id": "C-1", "kind": "x"})
    assert (found.case.id, found.started) == (waiting.id, False)
    other = correlate_message(session, people["csu"], "application_received", {"application_id": "C-2", "kind": "y"})
    assert other.started and other.case.id != waiting.id


def test_a_message_no_process_defines_correlation_for_is_refused(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(NotCorrelated, match="no case waits for message 'outside'.*no deployed process starts with it"):
        correlate_message(session, people["csu"], "outside", {"n": 1})


def test_an_inactive_user_cannot_send_a_message_without_a_case(session: Session, people: dict[str, User]) -> None:
    people["csu"].active = False
    with pytest.raises(PermissionDenied, match="inactive users cannot send messages"):
        correlate_message(session, people["csu"], "application_received", {"application_id": "D-1", "kind": "x"})


def test_a_catch_event_that_would_drop_its_payload_is_refused_at_deploy(
    session: Session, people: dict[str, User]
) -> None:
    source = (BPMN / "message_correlation.bpmn").read_text()
    bare = source.replace("<bpmn:extensionElements><spiffworkflow:messageVariable>decision"
                          "</spiffworkflow:messageVariable></bpmn:extensionElements>", "")
    with pytest.raises(ProcessNotDeployable, match="wait_decision.*names no variable for its payload"):
        deploy_version(session, people["admin"], {"message_correlation.bpmn": bare})


def test_a_case_of_an_older_version_is_found_with_that_versions_definition(
    session: Session, people: dict[str, User]
) -> None:
    case = awaiting_decision(session, people, "A-17")
    newer = (BPMN / "message_correlation.bpmn").read_text().replace('name="Record the outcome"', 'name="Record"')
    deploy_version(session, people["admin"], {"message_correlation.bpmn": newer})
    session.commit()
    assert session.scalars(select(CaseWait.version_id).where(CaseWait.case_id == case.id)).one() == case.version_id
    found = correlate_message(session, people["csu"], "decision", {"application_id": "A-17", "outcome": "granted"})
    assert (found.case.id, found.started, found.case.status) == (case.id, False, "closed")
