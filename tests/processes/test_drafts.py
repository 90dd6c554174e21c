"""Drafts: created from scratch or from a deployed version, saved file by file, checked on every write."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes import drafts
from processes.errors import InvalidFormData, NotFound, PermissionDenied
from processes.models import ProcessDraft, ProcessVersion, User
from processes.users import ensure_user

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="&lol3;"/>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">&xxe;</bpmn:definitions>"""


@pytest.fixture
def analyst(session: Session, people: dict[str, User]) -> User:
    user = ensure_user(session, "analyst", display_name="Anders", roles=["analyst"], password="pw")
    session.commit()
    return user


def test_a_new_process_starts_as_a_runnable_skeleton(session: Session, analyst: User) -> None:
    draft = drafts.create_draft(session, analyst, "parking_permit", "Parking permit")

    assert list(draft.files) == ["parking_permit.bpmn"]
    assert drafts.draft_problems(draft) == []


def test_a_process_key_is_taken_once(session: Session, analyst: User) -> None:
    drafts.create_draft(session, analyst, "parking_permit", "Parking permit")
    with pytest.raises(InvalidFormData):
        drafts.create_draft(session, analyst, "parking_permit", "Again")
    with pytest.raises(InvalidFormData):
        drafts.create_draft(session, analyst, "1 bad key", "Bad")


@pytest.mark.usefixtures("deployed")
def test_editing_a_deployed_process_starts_from_a_copy_of_its_newest_version(
    session: Session, analyst: User
) -> None:
    draft = drafts.open_draft(session, analyst, "citizen_request")

    version = session.scalars(select(ProcessVersion).where(ProcessVersion.key == "citizen_request")).one()
    assert draft.base_version == 1
    assert draft.files == {f.name: f.content for f in version.files}
    assert drafts.open_draft(session, analyst, "citizen_request") is draft


def test_officers_cannot_edit_processes(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        drafts.create_draft(session, people["officer"], "mine", "Mine")


def test_saving_reports_process_problems_but_keeps_the_file(session: Session, analyst: User) -> None:
    drafts.create_draft(session, analyst, "p", "P")
    broken = drafts.get_draft(session, analyst, "p").files["p.bpmn"].replace(
        '<bpmn:userTask id="first_step" name="First step">',
        '<bpmn:userTask id="first_step" name="First step"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="form" value="missing.form" /></spiffworkflow:properties>'
        '</bpmn:extensionElements>')

    problems = drafts.save_files(session, analyst, "p", {"p.bpmn": broken})

    assert [(p["element_id"], p["message"]) for p in problems] == [
        ("first_step", "form file 'missing.form' is missing")]
    assert drafts.get_draft(session, analyst, "p").files["p.bpmn"] == broken


@pytest.mark.parametrize("name, content, fragment", [
    ("p.bpmn", "<bpmn:definitions", "XML syntax error"),
    ("route.dmn", BILLION_LAUGHS, "DOCTYPE declarations are not allowed"),
    ("p.bpmn", XXE, "DOCTYPE declarations are not allowed"),
    ("forms/x.form", "{not json", "invalid JSON"),
    ("forms/x.form", "[1, 2]", "not an object"),
    ("../etc/passwd.bpmn", "<a/>", "file names are"),
    ("notes.txt", "hello", "file names are"),
    ("big.dmn", "<a>" + "x" * (drafts.MAX_DRAFT_FILE_BYTES + 1) + "</a>", "larger than"),
])
def test_unsafe_or_malformed_files_are_refused_and_nothing_is_stored(
    session: Session, analyst: User, name: str, content: str, fragment: str
) -> None:
    drafts.create_draft(session, analyst, "p", "P")
    before = dict(drafts.get_draft(session, analyst, "p").files)

    with pytest.raises(InvalidFormData) as raised:
        drafts.save_files(session, analyst, "p", {"forms/ok.form": '{"components": []}', name: content})

    assert fragment in " ".join(raised.value.errors.values())
    assert drafts.get_draft(session, analyst, "p").files == before


def test_a_draft_must_define_the_process_of_its_key(session: Session, analyst: User) -> None:
    draft = drafts.create_draft(session, analyst, "p", "P")
    other = draft.files["p.bpmn"].replace('id="p"', 'id="q"').replace('processRef="p"', 'processRef="q"')
    problems = drafts.save_files(session, analyst, "p", {"p.bpmn": other})
    assert [p["message"] for p in problems] == ["no executable process has the id 'p' (the draft's key)"]


def test_new_files_come_from_templates_and_can_be_removed(session: Session, analyst: User) -> None:
    drafts.create_draft(session, analyst, "p", "P")
    assert drafts.add_file(session, analyst, "p", "form", "check") == "forms/check.form"
    assert drafts.add_file(session, analyst, "p", "dmn", "route") == "route.dmn"
    assert drafts.draft_problems(drafts.get_draft(session, analyst, "p")) == []

    drafts.delete_file(session, analyst, "p", "route.dmn")
    assert sorted(drafts.get_draft(session, analyst, "p").files) == ["forms/check.form", "p.bpmn"]
    with pytest.raises(NotFound):
        drafts.delete_file(session, analyst, "p", "route.dmn")


def test_discarding_a_draft_leaves_no_row(session: Session, analyst: User) -> None:
    drafts.create_draft(session, analyst, "p", "P")
    drafts.discard_draft(session, analyst, "p")
    assert session.scalars(select(ProcessDraft)).first() is None
