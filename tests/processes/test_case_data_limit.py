"""A case's data has a size limit (ONESTOP_CASE_DATA_KB): what a person submits past it is refused
with the field named, before the case holds it; scripts meet the same limit in the sandbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.errors import InvalidFormData
from processes.models import Case, Task, User
from processes.runtime import engine
from processes.tasks import complete_task
from tests.citizen_data import INTAKE


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
