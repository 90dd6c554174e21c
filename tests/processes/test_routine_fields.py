"""Which field of a routine plays which part (the citizen's e-mail, the answer, the office, ...) is read from
the deployed BPMN's field properties (docs/routines.md): rename the fields in a copy of the reference
routine's diagram, forms and decision table, deploy it, and everything follows with no Python touched."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.case_search import search_cases
from processes.cases import view_case
from processes.deployments import deploy_version
from processes.errors import ProcessNotDeployable
from processes.files import read_process_files
from processes.intake import register_request
from processes.metrics_filters import channel_options
from processes.models import Article, Case, OutboxMessage, Task, User
from processes.service_catalog import list_services
from processes.tasks import complete_task
from processes.tracking import case_milestones
from tests.conftest import BPMN_DIR

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTINE_FILES = ("citizen_request.bpmn", "route_request.dmn", "forms/intake.form", "forms/handle_request.form",
                 "forms/contact_citizen.form")
RENAMES = {"citizen_name": "full_name", "citizen_email": "email_address", "channel": "via",
           "description": "details", "resolved_on_first_contact": "done_at_desk", "kb_article": "article",
           "office": "unit", "answer": "reply_text", "info_question": "question_text",
           "citizen_reply": "their_reply"}
# A whole word, not inside another name (notify_answer) or a quoted template name ('answer').
_WORD = "(?<![A-Za-z0-9_']){}(?![A-Za-z0-9_'])"
INTAKE = {"via": "phone", "full_name": "Alva Berg", "email_address": "alva@example.org", "category": "pothole",
          "details": "Deep pothole outside Storgatan 4", "done_at_desk": False}


def renamed_files() -> dict[str, str]:
    files, _ = read_process_files([BPMN_DIR])
    for name in ROUTINE_FILES:
        for old, new in RENAMES.items():
            files[name] = re.sub(_WORD.format(old), new, files[name])
        # the role citizen_reply is a word of OneStop's, not a field of the routine: it keeps its name
        files[name] = files[name].replace('name="role" value="their_reply"', 'name="role" value="citizen_reply"')
    return files


@pytest.fixture
def renamed(session: Session, people: dict[str, User]) -> None:
    files = renamed_files()
    assert 'name="citizen_email_field" value="email_address"' in files["citizen_request.bpmn"]
    assert '"key": "citizen_email"' not in files["forms/intake.form"]
    deploy_version(session, people["admin"], files)
    session.commit()


def open_task(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()


def mails(session: Session, case: Case) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)
                                .order_by(OutboxMessage.id)))


def test_renamed_fields_fill_the_case_mails_tracking_and_pages(session: Session, people: dict[str, User],
                                                               renamed: None) -> None:
    case = register_request(session, people["csu"], INTAKE, now=NOW).case

    assert (case.citizen_name, case.citizen_email, case.channel, case.category) == (
        "Alva Berg", "alva@example.org", "phone", "pothole")
    assert case.office == "streets_parks"  # the routing table's output `unit`, and the lane's =unit
    handle = open_task(session, case, "handle_request")
    assert (handle.group_name, handle.citizen_name, handle.summary) == (
        "streets_parks", "Alva Berg", "Deep pothole outside Storgatan 4")
    [ack] = mails(session, case)
    assert ack.to_address == "alva@example.org" and "Alva Berg" in ack.body
    assert [c.id for c in search_cases(session, people["csu"], text="Storgatan").cases] == [case.id]
    view = view_case(session, people["csu"], case.id)
    assert view.business["description"] == "Deep pothole outside Storgatan 4"
    assert "details" not in view.other_data and "email_address" not in view.other_data

    complete_task(session, people["officer"], handle.id, {"outcome": "need_info", "question_text": "Which side?"},
                  now=NOW + timedelta(hours=1))
    assert "Which side?" in mails(session, case)[-1].body
    contact = open_task(session, case, "contact_citizen")
    complete_task(session, people["csu"], contact.id, {"their_reply": "The north side"},
                  now=NOW + timedelta(hours=2))
    handle = open_task(session, case, "handle_request")
    complete_task(session, people["officer"], handle.id, {"outcome": "resolved", "reply_text": "Filled today."},
                  now=NOW + timedelta(hours=3))

    assert case.answered_at == NOW + timedelta(hours=3)
    assert any("Filled today." in m.body for m in mails(session, case))
    steps = [(m.kind, m.text) for m in case_milestones(session, case)]
    assert ("waiting_for_you", "Which side?") in steps
    assert "reply_received" in [kind for kind, _ in steps]
    assert ("answered", "Filled today.") in steps
    view = view_case(session, people["csu"], case.id)
    assert (view.business["answer"], view.business["info_requests"], view.business["reroute_count"]) == (
        "Filled today.", 1, 0)


def test_renamed_first_contact_article_channels_and_offices(session: Session, people: dict[str, User],
                                                            renamed: None) -> None:
    article = Article(title="Reporting a pothole", body="Call us.", category="pothole")
    session.add(article)
    session.flush()
    done = register_request(session, people["csu"], {**INTAKE, "done_at_desk": True}, article_id=article.id,
                            now=NOW)

    assert (done.case.status, done.case.resolved_on_first_contact, done.case.kb_article) == (
        "closed", True, "Reporting a pothole")
    assert done.case.data["article"] == "Reporting a pothole"
    assert "phone" in [value for value, _ in channel_options(session)]  # the options of the field named `via`
    offices = {s.code: s.office for s in list_services(session)}
    assert offices["pothole"] == "streets_parks"  # read from the output the diagram names office_field


def test_a_routine_without_field_properties_sends_no_mail_and_keeps_no_citizen(
        session: Session, people: dict[str, User]) -> None:
    files = renamed_files()
    bpmn = files["citizen_request.bpmn"]
    files["citizen_request.bpmn"] = re.sub(r'\s*<spiffworkflow:property name="(citizen_name|citizen_email|channel|'
                                           r'description|first_contact|kb_article|answer|question|reply)_field"'
                                           r' value="[^"]*" />', "", bpmn)
    deploy_version(session, people["admin"], files)
    session.commit()
    case = register_request(session, people["csu"], INTAKE, now=NOW).case

    assert (case.citizen_name, case.citizen_email, case.channel) == (None, None, None)
    assert case.office == "streets_parks" and mails(session, case) == []


@pytest.mark.parametrize("prop", ["citizen_email_field", "office_field", "answer_field"])
def test_a_field_property_naming_no_field_of_the_process_does_not_deploy(
        session: Session, people: dict[str, User], prop: str) -> None:
    files = renamed_files()
    files["citizen_request.bpmn"] = re.sub(f'name="{prop}" value="[^"]*"', f'name="{prop}" value="nowhere"',
                                           files["citizen_request.bpmn"])
    with pytest.raises(ProcessNotDeployable, match=f"{prop}: the process has no 'nowhere'"):
        deploy_version(session, people["admin"], files)
