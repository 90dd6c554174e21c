"""Deploying drafts as immutable versions, the diff reviewed before, and retiring versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes import drafts, releases
from processes.cases import start_case
from processes.errors import Conflict, NotFound, PermissionDenied, ProcessNotDeployable
from processes.models import Event, ProcessVersion, Task, User
from processes.tasks import complete_task, task_form
from processes.users import ensure_group, ensure_user
from processes.version_diff import diff_files
from tests.story_edits import INTAKE, story_files

pytestmark = pytest.mark.usefixtures("deployed")


@pytest.fixture
def analyst(session: Session, people: dict[str, User]) -> User:
    user = ensure_user(session, "analyst", display_name="Anders", roles=["analyst"], password="pw")
    ensure_group(session, "environment", "Environment")
    session.commit()
    return user


def edit_story(session: Session, analyst: User) -> None:
    draft = drafts.open_draft(session, analyst, "citizen_request")
    drafts.save_files(session, analyst, "citizen_request", story_files(draft.files))


def intake_case(session: Session, people: dict[str, User], category: str) -> Task:
    """A case past intake; returns its open handle-request task."""
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    intake = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).one()
    complete_task(session, people["csu"], intake.id, {**INTAKE, "category": category})
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).one()


def test_the_diff_names_the_new_rule_and_the_new_field(session: Session, analyst: User) -> None:
    edit_story(session, analyst)

    review = releases.review_draft(session, analyst, "citizen_request")

    assert [str(c) for c in review.changes] == [
        "+ forms/handle_request.form: field reference Office reference number",
        "~ forms/intake.form: field category Category",
        "+ route_request.dmn: rule rule_noise when \"noise\" then \"environment\", 5",
    ]
    assert review.problems == [] and review.deployable and review.next_number == 2


def test_moving_shapes_is_not_a_change_but_renaming_a_task_is() -> None:
    old = {"p.bpmn": _bpmn('name="Check"', 'x="100"')}
    assert diff_files(old, {"p.bpmn": _bpmn('name="Check"', 'x="300"')}) == []
    [change] = diff_files(old, {"p.bpmn": _bpmn('name="Verify"', 'x="100"')})
    assert (change.item, change.change, change.label) == ("check", "changed", "userTask 'Verify'")
    # the reviewer sees what the task was called before, not only its new name
    assert change.old_label == "userTask 'Check'"
    assert str(change) == "~ p.bpmn: element check userTask 'Check' -> userTask 'Verify'"


def test_only_admins_deploy(session: Session, analyst: User) -> None:
    edit_story(session, analyst)
    with pytest.raises(PermissionDenied):
        releases.deploy_draft(session, analyst, "citizen_request")


def test_a_draft_with_problems_is_refused_and_the_problems_listed(
    session: Session, analyst: User, people: dict[str, User]
) -> None:
    draft = drafts.open_draft(session, analyst, "citizen_request")
    broken = draft.files["citizen_request.bpmn"].replace('value="handle_request.form"', 'value="gone.form"')
    drafts.save_files(session, analyst, "citizen_request", {"citizen_request.bpmn": broken})

    with pytest.raises(ProcessNotDeployable) as raised:
        releases.deploy_draft(session, people["admin"], "citizen_request")

    assert raised.value.problems == ["citizen_request.bpmn:handle_request: form file 'gone.form' is missing"]
    assert session.scalars(select(ProcessVersion.version).where(ProcessVersion.key == "citizen_request")).all() == [1]


def test_an_unchanged_draft_is_not_deployed_again(session: Session, analyst: User, people: dict[str, User]) -> None:
    drafts.open_draft(session, analyst, "citizen_request")
    with pytest.raises(Conflict):
        releases.deploy_draft(session, people["admin"], "citizen_request")


def test_new_cases_start_on_the_new_version_and_old_cases_keep_their_form(
    session: Session, analyst: User, people: dict[str, User]
) -> None:
    before = intake_case(session, people, "pothole")
    edit_story(session, analyst)

    version = releases.deploy_draft(session, people["admin"], "citizen_request")
    after = intake_case(session, people, "noise")

    assert (version.version, version.status) == (2, "deployed")
    assert (after.case.version_id, after.group_name) == (version.id, "environment")
    assert "reference" in [c.get("key") for c in task_form(session, after)["components"]]  # type: ignore[index]
    assert "reference" not in [c.get("key") for c in task_form(session, before)["components"]]  # type: ignore[index]
    kinds = session.scalars(select(Event.kind).where(Event.kind.in_(["version_deployed", "draft_deployed"]))).all()
    # version 1 of citizen_request and of permit_application, then the draft as version 2
    assert sorted(kinds) == ["draft_deployed", "version_deployed", "version_deployed", "version_deployed"]


def test_a_retired_version_starts_no_new_cases(session: Session, analyst: User, people: dict[str, User]) -> None:
    edit_story(session, analyst)
    releases.deploy_draft(session, people["admin"], "citizen_request")

    releases.retire_version(session, people["admin"], "citizen_request", 2)
    case = start_case(session, people["csu"], "citizen_request", {})
    assert case.version.version == 1

    releases.retire_version(session, people["admin"], "citizen_request", 1)
    with pytest.raises(NotFound):
        start_case(session, people["csu"], "citizen_request", {})
    with pytest.raises(Conflict):
        releases.retire_version(session, people["admin"], "citizen_request", 1)
    with pytest.raises(PermissionDenied):
        releases.retire_version(session, analyst, "citizen_request", 2)


def _bpmn(name: str, x: str) -> str:
    return f"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:userTask id="check" {name}/></bpmn:process>
  <bpmndi:BPMNDiagram id="di"><bpmndi:BPMNPlane id="pl" bpmnElement="p">
    <bpmndi:BPMNShape id="s" bpmnElement="check"><dc:Bounds {x} y="1" width="1" height="1"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"""


def test_each_deployed_process_holds_only_the_files_it_runs_on(session: Session) -> None:
    files = {v.key: sorted(f.name for f in v.files) for v in session.scalars(select(ProcessVersion))}
    assert "route_request.dmn" in files["citizen_request"] and "permit_fee.dmn" not in files["citizen_request"]
    assert "permit_fee.dmn" in files["permit_application"] and "citizen_request.bpmn" not in files["permit_application"]
    assert not any(name.startswith("forms/permit_") for name in files["citizen_request"])
