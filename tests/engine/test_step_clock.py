"""Timers run on the clock of the step, never on the wall clock, and an overdue request is
escalated once per deadline however often it comes back to an office (engine alone, no database).

Every step passes its own `now`, long in the past, and goes through the stored (JSON) state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, ProcessBundle, ServiceCall, Snapshot, load_bundle
from tests.citizen_data import INTAKE

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
MONDAY = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)  # years before the wall clock of any test run
REPLY_IN = timedelta(days=5)


@pytest.fixture(scope="module")
def bundle() -> ProcessBundle:
    files = {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}
    return load_bundle(files, key="citizen_request")


class ClockedCase:
    """One case stepped at explicit moments, the way the operations step it."""

    def __init__(self, bundle: ProcessBundle, at: datetime):
        self.bundle, self.engine, self.now = bundle, Engine(), at
        self.snapshot = self.engine.start(bundle, {}, self.services(), now=at)

    def services(self) -> dict[str, Any]:
        def compute_due_date(call: ServiceCall) -> str:
            return (self.now + REPLY_IN).isoformat()

        def notify_citizen(call: ServiceCall) -> dict[str, str]:
            return {"queued": call.params["template"]}

        return {"compute_due_date": compute_due_date, "notify_citizen": notify_citizen}

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.snapshot.state))

    @property
    def ready(self) -> list[str]:
        return sorted(t.element_id for t in self.snapshot.ready_tasks)

    @property
    def due_at(self) -> datetime:
        return datetime.fromisoformat(self.snapshot.data["due_at"])

    def complete(self, element_id: str, at: datetime, **data: Any) -> Snapshot:
        self.now = at
        task = next(t for t in self.snapshot.ready_tasks if t.element_id == element_id)
        self.snapshot = self.engine.complete_task(self.bundle, self.state, task.id, data, self.services(), now=at)
        return self.snapshot

    def fire_timers(self, at: datetime) -> Snapshot:
        self.now = at
        ids = [t.task_id for t in self.snapshot.timers]
        self.snapshot = self.engine.fire_timers(self.bundle, self.state, ids, self.services(), now=at)
        return self.snapshot


def handed_over(bundle: ProcessBundle) -> ClockedCase:
    case = ClockedCase(bundle, MONDAY)
    case.complete("intake", MONDAY + timedelta(minutes=5), **INTAKE)
    return case


def test_a_case_stepped_in_the_past_waits_for_its_deadline(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    assert case.ready == ["handle_request"]
    [timer] = case.snapshot.timers
    assert (timer.element_id, timer.due_at) == ("deadline_passed", MONDAY + timedelta(minutes=5) + REPLY_IN)


def test_a_step_before_the_deadline_leaves_the_timer_waiting(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    case.complete("handle_request", case.due_at - timedelta(hours=2), outcome="need_info", info_question="Where?")
    case.complete("contact_citizen", case.due_at - timedelta(seconds=1), citizen_reply="Here.")
    assert case.ready == ["handle_request"]
    assert [t.due_at for t in case.snapshot.timers] == [case.due_at]


def test_a_step_after_the_deadline_fires_the_timer_at_once(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    case.complete("handle_request", case.due_at - timedelta(hours=2), outcome="need_info", info_question="Where?")
    case.complete("contact_citizen", case.due_at, citizen_reply="Here.")
    assert case.ready == ["follow_up_overdue", "handle_request"]
    assert case.snapshot.timers == []


def test_an_overdue_request_back_from_the_citizen_is_not_escalated_again(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    late = case.due_at + timedelta(hours=1)
    case.fire_timers(late)
    assert case.ready == ["follow_up_overdue", "handle_request"]
    case.complete("handle_request", late + timedelta(hours=1), outcome="need_info", info_question="Where?")
    case.complete("contact_citizen", late + timedelta(hours=2), citizen_reply="Here.")
    assert case.ready == ["follow_up_overdue", "handle_request"]
    assert case.snapshot.timers == []
    assert "end_already_escalated" in [s.element_id for s in case.snapshot.steps]


def test_an_overdue_request_rerouted_after_its_follow_up_is_not_escalated_again(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    late = case.due_at + timedelta(hours=1)
    case.fire_timers(late)
    case.complete("follow_up_overdue", late + timedelta(hours=1), follow_up_note="Called", action="reminded_officer")
    for hours, office in ((2, "waste"), (3, "education"), (4, "streets_parks")):
        case.complete("handle_request", late + timedelta(hours=hours), outcome="wrong_office", correct_office=office)
        assert case.ready == ["handle_request"]
    assert case.snapshot.data["reroute_count"] == 3
    assert case.snapshot.timers == []
    case.complete("handle_request", late + timedelta(hours=5), outcome="resolved", answer="Done.")
    assert case.snapshot.completed


def test_a_later_deadline_is_escalated_again(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    late = case.due_at + timedelta(hours=1)
    case.fire_timers(late)
    case.complete("follow_up_overdue", late, follow_up_note="Called", action="reminded_officer")
    case.complete("handle_request", late, outcome="need_info", info_question="Where?")
    extended = late + timedelta(days=3)
    case.complete("contact_citizen", late, citizen_reply="Here.", due_at=extended.isoformat())
    assert case.ready == ["handle_request"]
    assert [t.due_at for t in case.snapshot.timers] == [extended]
    case.fire_timers(extended)
    assert case.ready == ["follow_up_overdue", "handle_request"]


def test_the_escalated_deadline_stays_out_of_the_case_data(bundle: ProcessBundle) -> None:
    case = handed_over(bundle)
    case.fire_timers(case.due_at)
    assert "escalated_deadline" not in case.snapshot.data
    assert "data_objects" not in case.snapshot.data


# A small process with the other two kinds of timer: a reminder two hours after the work starts,
# and a nudge every hour, twice. Both are non-interrupting boundary events of the same task.
TIMERS_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="definitions_timers" targetNamespace="http://x">
  <bpmn:process id="timers" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_staff" name="Staff">
        <bpmn:flowNodeRef>work</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>remind</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>nudge</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="work"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:boundaryEvent id="two_hours" cancelActivity="false" attachedToRef="work">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT2H"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="hourly" cancelActivity="false" attachedToRef="work">
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t2">
        <bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R2/PT1H"</bpmn:timeCycle>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="remind"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="nudge"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_remind"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_nudge"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="two_hours" targetRef="remind" />
    <bpmn:sequenceFlow id="f4" sourceRef="hourly" targetRef="nudge" />
    <bpmn:sequenceFlow id="f5" sourceRef="remind" targetRef="end_remind" />
    <bpmn:sequenceFlow id="f6" sourceRef="nudge" targetRef="end_nudge" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture(scope="module")
def timers_bundle() -> ProcessBundle:
    return load_bundle({"timers.bpmn": TIMERS_BPMN})


def due(snapshot: Snapshot) -> dict[str, datetime]:
    return {t.element_id: t.due_at for t in snapshot.timers}


def test_duration_and_cycle_timers_count_from_the_step_that_reached_them(timers_bundle: ProcessBundle) -> None:
    snapshot = Engine().start(timers_bundle, {}, now=MONDAY)
    assert due(snapshot) == {"two_hours": MONDAY + timedelta(hours=2), "hourly": MONDAY + timedelta(hours=1)}


def test_timers_go_off_by_themselves_only_at_their_moment_of_the_step(timers_bundle: ProcessBundle) -> None:
    engine = Engine()
    snapshot = engine.start(timers_bundle, {}, now=MONDAY)
    state = json.loads(json.dumps(snapshot.state))
    early = engine.fire_timers(timers_bundle, state, [], now=MONDAY + timedelta(minutes=59))
    assert [t.element_id for t in early.ready_tasks] == ["work"]
    assert due(early) == due(snapshot)
    later = engine.fire_timers(timers_bundle, state, [], now=MONDAY + timedelta(hours=1))
    assert sorted(t.element_id for t in later.ready_tasks) == ["nudge", "work"]
    assert due(later) == {"two_hours": MONDAY + timedelta(hours=2), "hourly": MONDAY + timedelta(hours=2)}
    latest = engine.fire_timers(timers_bundle, json.loads(json.dumps(later.state)), [],
                                now=MONDAY + timedelta(hours=2))
    assert sorted(t.element_id for t in latest.ready_tasks) == ["nudge", "nudge", "remind", "work"]
