"""A case's data has a size limit (ONESTOP_CASE_DATA_KB): what a person submits past it is refused
with the field named, before the case holds it; scripts meet the same limit in the sandbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.deployments import deploy_version
from processes.errors import CaseStepFailed, InvalidFormData
from processes.files import read_process_files
from processes.models import Case, Task, User
from processes.runtime import engine
from processes.tasks import complete_task
from tests.citizen_data import INTAKE
from tests.conftest import BPMN_DIR


def test_start_data_past_the_limit_is_refused_naming_the_field(
    session: Session, people: dict[str, User], deployed: None
) -> None:
    with pytest.raises(InvalidFormData) as caught:
        start_case(session, people["csu"], "citizen_request", {"channel": "phone", "notes": "x" * (1 << 20)})
    assert caught.value.errors == {"notes": "takes the case data past its limit of 1 MB"}
    assert session.scalars(select(Case)).all() == []


def test_a_submission_past_the_limit_is_refused_and_the_task_stays_open(
    session: Session, people: dict[str, User], deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine()  # built (and cached) with the default limits before the setting changes for this test
    monkeypatch.setenv("ONESTOP_CASE_DATA_KB", "2")
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    intake = session.scalars(select(Task).where(Task.case_id == case.id)).one()

    with pytest.raises(InvalidFormData) as caught:
        complete_task(session, people["csu"], intake.id, {**INTAKE, "description": "a long story " * 200})
    assert caught.value.errors == {"description": "takes the case data past its limit of 2 KB"}
    assert intake.status == "open"

    complete_task(session, people["csu"], intake.id, INTAKE)
    assert intake.status == "completed"


@pytest.mark.parametrize(("script", "message"), [
    ("note = 'x'\nwhile True:\n    note = note + note", "script exceeded its size limit: + would make"),
    ("first = 'x' * 600000\nsecond = 'y' * 600000", "variable 'second' takes the case data past its limit of 1 MB"),
])
def test_a_deployed_script_cannot_store_megabytes_in_a_case(
    session: Session, people: dict[str, User], script: str, message: str
) -> None:
    """Issue 12: `s = s + s` in a script task put 128 MB strings into case data. Now the step fails,
    naming the element, and no case is kept."""
    files, _ = read_process_files([BPMN_DIR])
    files["citizen_request.bpmn"] = files["citizen_request.bpmn"].replace(
        "info_requests = 0</bpmn:script>", f"info_requests = 0\n{script}</bpmn:script>")
    deploy_version(session, people["admin"], files)
    session.commit()

    with pytest.raises(CaseStepFailed) as caught:
        start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    assert caught.value.element_id == "init_case" and message in caught.value.message
    session.rollback()
    assert session.scalars(select(Case)).all() == []
