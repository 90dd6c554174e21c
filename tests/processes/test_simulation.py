"""Test runs of drafts: scripted outcomes, the path taken, the tasks created, and no case written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes import drafts, simulation
from processes.errors import InvalidFormData
from processes.models import Case, Event, OutboxMessage, User
from processes.users import ensure_group
from tests.story_edits import INTAKE, story_files

NOISE: list[dict[str, Any]] = [
    {"task": "intake", "data": {**INTAKE, "category": "noise"}},
    {"task": "handle_request", "data": {"outcome": "resolved", "answer": "We spoke to the neighbours.",
                                        "reference": "ENV-1"}},
]


@pytest.fixture
def story(session: Session, people: dict[str, User], deployed: None) -> str:
    ensure_group(session, "environment", "Environment")
    draft = drafts.open_draft(session, people["admin"], "citizen_request")
    drafts.save_files(session, people["admin"], "citizen_request", story_files(draft.files))
    session.commit()
    return "citizen_request"


def test_a_noise_complaint_runs_to_the_end_through_the_new_office(
    session: Session, people: dict[str, User], story: str
) -> None:
    result = simulation.run_scenario(session, people["admin"], story, {"start_data": {}, "steps": NOISE})

    assert result.completed and result.stopped is None
    assert [(t.element_id, t.group) for t in result.tasks] == [("intake", "csu"), ("handle_request", "environment")]
    assert result.path[:3] == ["start", "init_case", "intake"]
    assert "route" in result.path and result.path[-1] == "end_resolved"
    assert [n["template"] for n in result.notifications] == ["acknowledgement", "answer", "survey"]
    assert result.data["office"] == "environment" and result.data["due_at"]
    for model in (Case, OutboxMessage):
        assert session.scalar(select(func.count()).select_from(model)) == 0
    assert session.scalar(select(func.count()).where(Event.case_id.is_not(None))) == 0


def test_the_new_required_field_stops_a_run_that_leaves_it_empty(
    session: Session, people: dict[str, User], story: str
) -> None:
    steps = [NOISE[0], {"task": "handle_request", "data": {"outcome": "resolved", "answer": "Done"}}]

    result = simulation.run_scenario(session, people["admin"], story, {"steps": steps})

    assert result.stopped is not None and result.stopped.startswith(
        "step 2 (handle_request): the form refuses the outcome: reference:")
    assert result.waiting == ["handle_request"] and not result.completed


def test_a_run_without_enough_steps_stops_where_the_case_waits(
    session: Session, people: dict[str, User], story: str
) -> None:
    result = simulation.run_scenario(session, people["admin"], story, {"steps": NOISE[:1]})
    assert result.stopped == "waits at handle_request (no more steps)" and result.ok

    wrong = simulation.run_scenario(session, people["admin"], story, {"steps": [NOISE[1]]})
    assert wrong.stopped == "step 1 is for 'handle_request', but the case waits at intake" and not wrong.ok


def test_firing_the_timers_takes_the_overdue_path(session: Session, people: dict[str, User], story: str) -> None:
    result = simulation.run_scenario(session, people["admin"], story, {"steps": [NOISE[0], {"timers": True}]})

    assert [(t.element_id, t.group) for t in result.tasks][-1] == ("follow_up_overdue", "environment")
    assert sorted(result.waiting) == ["follow_up_overdue", "handle_request"]


def test_a_draft_with_problems_says_so(session: Session, people: dict[str, User], story: str) -> None:
    draft = drafts.get_draft(session, people["admin"], story)
    broken = draft.files["citizen_request.bpmn"].replace('value="handle_request.form"', 'value="gone.form"')
    drafts.save_files(session, people["admin"], story, {"citizen_request.bpmn": broken})

    result = simulation.run_scenario(session, people["admin"], story, {"steps": NOISE})

    assert result.stopped == ("the draft has problems: citizen_request.bpmn:handle_request: "
                              "form file 'gone.form' is missing")


def test_scenarios_are_kept_with_the_draft(session: Session, people: dict[str, User], story: str) -> None:
    scenario = simulation.parse_scenario("Noise", "{}", '[{"task": "intake", "data": {}}]')
    simulation.save_scenario(session, people["admin"], story, scenario)
    simulation.save_scenario(session, people["admin"], story, {**scenario, "steps": []})
    session.commit()

    assert drafts.get_draft(session, people["admin"], story).scenarios == [
        {"name": "Noise", "start_data": {}, "steps": []}]
    simulation.delete_scenario(session, people["admin"], story, "Noise")
    assert drafts.get_draft(session, people["admin"], story).scenarios == []


def test_a_scenario_must_be_json_of_the_right_shape() -> None:
    with pytest.raises(InvalidFormData) as raised:
        simulation.parse_scenario("x", "[1]", "{oops")
    assert set(raised.value.errors) == {"start_data", "steps"}
    with pytest.raises(InvalidFormData):
        simulation.parse_scenario("x", "{}", "[1, 2]")


@pytest.mark.parametrize(("script", "message"), [
    ("note = 'x'\nwhile True:\n    note = note + note", "script exceeded its size limit: + would make"),
    ("first = 'x' * 600000\nsecond = 'y' * 600000", "variable 'second' takes the case data past its limit of 1 MB"),
    ("keep = []\nwhile True:\n    keep.append('x' * 10**5 + str(len(keep)))", "script exceeded its memory limit"),
])
def test_the_test_run_keeps_the_sandbox_limits(
    session: Session, people: dict[str, User], story: str, script: str, message: str
) -> None:
    """The modeler's test run runs undeployed scripts: they meet the same size, data and memory limits."""
    draft = drafts.get_draft(session, people["admin"], story)
    bpmn = draft.files["citizen_request.bpmn"].replace("info_requests = 0</bpmn:script>",
                                                       f"info_requests = 0\n{script}</bpmn:script>")
    drafts.save_files(session, people["admin"], story, {"citizen_request.bpmn": bpmn})

    result = simulation.run_scenario(session, people["admin"], story, {"steps": NOISE})

    assert result.stopped is not None and result.stopped.startswith("the process failed at init_case: ")
    assert message in result.stopped
