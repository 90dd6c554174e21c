"""The application follows what the deployed BPMN says about its routine (processes.routines): change a
property in the diagram, deploy, and the behaviour changes with no Python touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.deployments import deploy_version
from processes.errors import ProcessNotDeployable
from processes.files import read_process_files
from processes.intake import register_request
from processes.manager import office_overview
from processes.models import Case, Task, User
from processes.tasks import complete_task
from processes.users import ensure_group
from tests.citizen_data import INTAKE
from tests.conftest import BPMN_DIR, create_user

MAIN = "citizen_request.bpmn"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EDITS = [
    ('name="business_key_prefix" value="CR"', 'name="business_key_prefix" value="CQ"'),
    ('name="group" value="csu" />', 'name="group" value="front_desk" />'),
    ("value=\"outcome == 'resolved'\"", "value=\"outcome in ('resolved', 'need_info')\""),
    ('<spiffworkflow:property name="role" value="follow_up" />', ""),
    ('<spiffworkflow:property name="due" value="due_at" />',
     '<spiffworkflow:property name="due" value="due_at" />\n'
     '          <spiffworkflow:property name="role" value="follow_up" />'),
]


def edited_files(edits: list[tuple[str, str]]) -> dict[str, str]:
    files, _ = read_process_files([BPMN_DIR])
    for old, new in edits:
        assert old in files[MAIN], old
        files[MAIN] = files[MAIN].replace(old, new, 1)
    return files


@pytest.fixture
def desk_agent(session: Session, people: dict[str, User]) -> User:
    """An agent of another front desk: a group of kind csu that is not called csu."""
    ensure_group(session, "front_desk", "Front desk", kind="csu")
    agent = create_user(session, "desk_agent", ["csu_agent"], ("front_desk",))
    deploy_version(session, people["admin"], edited_files(EDITS))
    session.commit()
    return agent


def open_task(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()


def test_a_changed_diagram_changes_keys_lanes_hand_overs_answers_and_follow_ups(
        session: Session, people: dict[str, User], desk_agent: User) -> None:
    case = register_request(session, desk_agent, INTAKE, now=NOW).case

    assert case.business_key == f"CQ-2026-{case.id:06d}"
    intake = session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id)).first()
    assert intake is not None and intake.group_name == "front_desk"
    handle = open_task(session, case, "handle_request")
    assert (handle.arrived_as, handle.arrived_from) == ("handed_over", "front_desk")  # the desk's kind says so

    [office] = [o for o in office_overview(session, people["manager"], now=NOW) if o.name == handle.group_name]
    assert [row.id for row in office.follow_ups] == [handle.id] and office.follow_up_total == 1

    complete_task(session, people["officer"], handle.id, {"outcome": "need_info", "info_question": "Where?"},
                  now=NOW + timedelta(hours=1))
    assert case.answered_at == NOW + timedelta(hours=1)  # answered_when now holds for need_info
    contact = open_task(session, case, "contact_citizen")
    assert (contact.group_name, contact.arrived_as) == ("front_desk", "returned_to_csu")


def test_the_shipped_diagram_answers_only_when_resolved(session: Session, people: dict[str, User],
                                                        deployed: None) -> None:
    case = register_request(session, people["csu"], INTAKE, now=NOW).case
    assert (case.business_key or "").startswith("CR-")
    handle = open_task(session, case, "handle_request")
    complete_task(session, people["officer"], handle.id, {"outcome": "need_info", "info_question": "Where?"},
                  now=NOW + timedelta(hours=1))
    assert case.answered_at is None
    [office] = [o for o in office_overview(session, people["manager"], now=NOW) if o.name == handle.group_name]
    assert office.follow_ups == [] and office.follow_up_total == 0


def test_a_second_process_cannot_take_citizens_requests(session: Session, people: dict[str, User],
                                                        deployed: None) -> None:
    copy = edited_files([('id="citizen_request"', 'id="citizen_copy"'),
                         ('processRef="citizen_request"', 'processRef="citizen_copy"')])
    copy = {MAIN: copy[MAIN], **{n: c for n, c in copy.items() if n != MAIN and not n.endswith(".bpmn")}}
    with pytest.raises(ProcessNotDeployable, match="citizen_channel: process 'citizen_request' already takes"):
        deploy_version(session, people["admin"], copy)
