"""Every path of the shipped citizen_request routine, in the engine alone (no database).

Each step goes through the stored form of the state (JSON), so every test is also a
save/restore round trip at every step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, ProcessBundle, ScriptError, ServiceCall, ServiceInterrupted, Snapshot, load_bundle
from tests.citizen_data import INTAKE

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture(scope="module")
def bundle() -> ProcessBundle:
    files = {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}
    return load_bundle(files, key="citizen_request")


class Driver:
    """Drives one case the way the application does: state out, JSON, state back in."""

    def __init__(self, bundle: ProcessBundle, due_in: timedelta = timedelta(days=5)):
        self.bundle = bundle
        self.engine = Engine()
        self.sent: list[str] = []
        self.due_in = due_in
        self.snapshot = self.engine.start(bundle, {}, self.services())

    def services(self) -> dict[str, Any]:
        def compute_due_date(call: ServiceCall) -> str:
            return (datetime.now(UTC) + self.due_in).isoformat()

        def notify_citizen(call: ServiceCall) -> dict[str, str]:
            self.sent.append(call.params["template"])
            return {"queued": call.params["template"]}

        return {"compute_due_date": compute_due_date, "notify_citizen": notify_citizen}

    @property
    def ready(self) -> list[str]:
        return sorted(t.element_id for t in self.snapshot.ready_tasks)

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.snapshot.state))

    def complete(self, element_id: str, **data: Any) -> Snapshot:
        task = next(t for t in self.snapshot.ready_tasks if t.element_id == element_id)
        self.snapshot = self.engine.complete_task(self.bundle, self.state, task.id, data, self.services())
        restored = self.engine.snapshot(self.bundle, self.state)
        assert restored.ready_tasks == self.snapshot.ready_tasks
        assert restored.data == self.snapshot.data
        return self.snapshot

    def fire_timers(self) -> Snapshot:
        ids = [t.task_id for t in self.snapshot.timers]
        self.snapshot = self.engine.fire_timers(self.bundle, self.state, ids, self.services())
        return self.snapshot


def test_a_new_case_waits_for_csu_intake(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    [intake] = case.snapshot.ready_tasks
    assert (intake.element_id, intake.lane, intake.form) == ("intake", "CSU", "intake.form")
    assert not case.snapshot.completed


def test_resolved_on_first_contact_notifies_and_ends(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **{**INTAKE, "resolved_on_first_contact": True, "kb_article": "KB-12"})
    assert case.snapshot.completed
    assert case.sent == ["resolved_first_contact"]
    assert case.ready == []
    assert "route" not in [s.element_id for s in case.snapshot.steps]


def test_handover_routes_by_dmn_and_sets_a_deadline(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **{**INTAKE, "category": "missed_collection"})
    assert case.ready == ["handle_request"]
    [task] = case.snapshot.ready_tasks
    assert task.lane == "Office"
    assert case.snapshot.data["office"] == "waste"
    assert case.snapshot.data["reply_days"] == 3
    assert task.due == case.snapshot.data["due_at"]
    assert [t.element_id for t in case.snapshot.timers] == ["deadline_passed"]
    assert case.sent == ["acknowledgement"]
    steps = [s.element_id for s in case.snapshot.steps]
    assert steps.index("intake") < steps.index("route") < steps.index("notify_acknowledgement")


def test_resolved_sends_answer_and_survey_and_ends(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **INTAKE)
    case.complete("handle_request", outcome="resolved", answer="Fixed on Monday.")
    assert case.snapshot.completed
    assert case.sent == ["acknowledgement", "answer", "survey"]
    assert case.snapshot.timers == []
    assert case.snapshot.data["answer"] == "Fixed on Monday."


def test_need_info_goes_to_the_csu_and_back_to_the_office(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **INTAKE)
    case.complete("handle_request", outcome="need_info", info_question="Which side of the street?")
    assert case.ready == ["contact_citizen"]
    assert case.sent[-1] == "need_info"
    case.complete("contact_citizen", citizen_reply="The north side.")
    assert case.ready == ["handle_request"]
    assert case.snapshot.data["citizen_reply"] == "The north side."
    assert case.snapshot.data["info_requests"] == 1
    case.complete("handle_request", outcome="resolved", answer="Filled.")
    assert case.snapshot.completed


def test_wrong_office_reroutes_and_counts_the_misroute(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **{**INTAKE, "category": "school_placement"})
    assert case.snapshot.data["office"] == "education"
    case.complete("handle_request", outcome="wrong_office", correct_office="social_services")
    assert case.ready == ["handle_request"]
    assert case.snapshot.data["office"] == "social_services"
    assert case.snapshot.data["previous_office"] == "education"
    assert case.snapshot.data["reroute_count"] == 1


def test_deadline_gives_the_manager_a_follow_up_while_the_office_keeps_working(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **INTAKE)
    case.fire_timers()
    assert case.ready == ["follow_up_overdue", "handle_request"]
    follow_up = next(t for t in case.snapshot.ready_tasks if t.element_id == "follow_up_overdue")
    assert follow_up.lane == "Office manager"
    case.complete("follow_up_overdue", follow_up_note="Called the officer", action="reminded_officer")
    assert case.ready == ["handle_request"]
    case.complete("handle_request", outcome="resolved", answer="Done.")
    assert case.snapshot.completed


def test_a_timer_due_in_the_past_fires_on_the_next_step(bundle: ProcessBundle) -> None:
    case = Driver(bundle, due_in=timedelta(days=-1))
    case.complete("intake", **INTAKE)
    assert case.ready == ["follow_up_overdue", "handle_request"]


def test_a_case_that_loops_300_times_keeps_working_and_stays_small(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    case.complete("intake", **INTAKE)
    sizes = []
    for _ in range(300):
        case.complete("handle_request", outcome="need_info", info_question="More?")
        case.complete("contact_citizen", citizen_reply="Here.")
        sizes.append(len(json.dumps(case.snapshot.state)))
    assert case.snapshot.data["info_requests"] == 300
    assert sizes[-1] <= sizes[0] * 1.2
    case.complete("handle_request", outcome="resolved", answer="At last.")
    assert case.snapshot.completed


def test_a_failing_service_names_the_element_and_keeps_its_message(bundle: ProcessBundle) -> None:
    case = Driver(bundle)
    state_before = case.state

    def broken(call: ServiceCall) -> None:
        raise ConnectionError("SMTP relay refused the connection")

    task = case.snapshot.ready_tasks[0]
    services = {**case.services(), "notify_citizen": broken}
    with pytest.raises(ScriptError) as err:
        case.engine.complete_task(bundle, state_before, task.id, INTAKE, services)
    assert "SMTP relay refused the connection" in str(err.value)
    assert "notify_citizen" in str(err.value)
    assert case.engine.snapshot(bundle, state_before).ready_tasks == case.snapshot.ready_tasks


def test_a_service_interrupted_from_outside_the_case_passes_through_unchanged(bundle: ProcessBundle) -> None:
    """The database went away inside a service: not the case's error, so the caller may retry the step."""
    case = Driver(bundle)

    class Gone(ServiceInterrupted):
        pass

    def interrupted(call: ServiceCall) -> None:
        raise Gone("the database went away")

    task = case.snapshot.ready_tasks[0]
    services = {**case.services(), "notify_citizen": interrupted}
    with pytest.raises(Gone, match="the database went away"):
        case.engine.complete_task(bundle, case.state, task.id, INTAKE, services)
