"""Messages and signals from outside, what a case waits for, and a case that is stuck."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import Engine, NotWaiting, ProcessBundle, ScriptError, Waiting, load_bundle, load_bundles, validate

BPMN_DIR = Path(__file__).resolve().parents[1] / "conformance" / "bpmn"


def _bundle(name: str) -> ProcessBundle:
    return load_bundle({f"{name}.bpmn": (BPMN_DIR / f"{name}.bpmn").read_text()}, key=name)


def test_a_case_behind_an_event_gateway_waits_for_the_message_and_the_timer() -> None:
    snap = Engine().start(_bundle("event_gateway"), {"ref": 7})
    assert set(snap.waiting) == {Waiting("wait", "message", "reply"), Waiting("wait", "timer", '"P5D"')}
    assert [t.element_id for t in snap.timers] == ["wait"]
    assert snap.data == {"ref": 7} and snap.stuck == []


def test_a_message_carries_its_payload_into_the_case() -> None:
    bundle = _bundle("event_gateway")
    engine = Engine()
    snap = engine.send_message(bundle, engine.start(bundle, {}).state, "reply", {"text": "yes"})
    assert snap.completed
    assert snap.data == {"reply": {"text": "yes"}, "outcome": "reply"}
    assert [s.element_id for s in snap.steps] == ["wait", "got_reply", "on_reply", "end"]


def test_a_message_nobody_waits_for_is_refused_with_what_the_case_waits_for() -> None:
    bundle = _bundle("event_gateway")
    engine = Engine()
    state = engine.start(bundle, {}).state
    with pytest.raises(NotWaiting, match="no message 'nope'.*message 'reply' \\(wait\\)"):
        engine.send_message(bundle, state, "nope", {})
    with pytest.raises(NotWaiting, match="no signal 'reply'"):
        engine.send_signal(bundle, state, "reply", {})


def test_a_signal_starts_an_event_subprocess() -> None:
    bundle = _bundle("event_subprocess_signal")
    engine = Engine()
    snap = engine.start(bundle, {"divisor": 4})
    assert Waiting("handler_start", "signal", "alarm") in snap.waiting
    snap = engine.send_signal(bundle, snap.state, "alarm", {})
    assert "handle" in [s.element_id for s in snap.steps]
    assert [t.element_id for t in snap.ready_tasks] == ["work"]


def test_a_case_that_can_neither_move_nor_wait_is_reported_stuck_with_its_elements() -> None:
    bundle = _bundle("deadlock")
    moving = Engine().start(bundle, {"meet": True})
    assert moving.completed and moving.stuck == []
    snap = Engine().start(bundle, {"meet": False})
    assert not snap.completed and not snap.ready_tasks and not snap.waiting
    assert snap.stuck == ["join"]
    assert snap.data["left"] is True


def test_a_process_without_is_executable_is_deployed_as_spiffworkflow_runs_it() -> None:
    source = (BPMN_DIR / "call_activity.bpmn").read_text()
    assert 'id="called">' in source  # the called process leaves isExecutable out
    keys = {bundle.key for bundle in load_bundles({"call_activity.bpmn": source})}
    assert keys == {"call_activity", "called"}


def test_a_task_in_an_embedded_subprocess_takes_the_lane_of_the_subprocess() -> None:
    snap = Engine().start(_bundle("subprocess"), {})
    snap = Engine().complete_task(_bundle("subprocess"), snap.state, snap.ready_tasks[0].id, {"size": 1})
    assert [(t.element_id, t.lane) for t in snap.ready_tasks] == [("inner_task", "Office")]
    assert validate({"s.bpmn": (BPMN_DIR / "subprocess.bpmn").read_text()}) == []
    outside = (BPMN_DIR / "subprocess.bpmn").read_text().replace("<bpmn:flowNodeRef>inner</bpmn:flowNodeRef>", "")
    assert [p.element_id for p in validate({"s.bpmn": outside})] == ["inner_task"]


def test_a_failing_script_in_a_signal_started_event_subprocess_names_element_and_reason() -> None:
    bundle = _bundle("event_subprocess_signal")
    engine = Engine()
    state = engine.start(bundle, {"divisor": 0}).state
    with pytest.raises(ScriptError) as caught:
        engine.send_signal(bundle, state, "alarm", {})
    assert caught.value.element_id == "handle"
    assert "ZeroDivisionError" in caught.value.message


def test_a_multi_instance_without_its_collection_fails_naming_the_task() -> None:
    for process in ("mi_sequential_collection", "mi_parallel_collection"):
        with pytest.raises(ScriptError) as caught:
            Engine().start(_bundle(process), {})
        assert caught.value.element_id == "check", process
        assert caught.value.message


def test_steps_inside_subprocesses_and_call_activities_are_recorded() -> None:
    bundle = load_bundle({"c.bpmn": (BPMN_DIR / "call_activity.bpmn").read_text()}, key="call_activity")
    engine = Engine()
    snap = engine.start(bundle, {})
    snap = engine.complete_task(bundle, snap.state, snap.ready_tasks[0].id, {"question": 2})
    assert "called_start" in [s.element_id for s in snap.steps]
    snap = engine.complete_task(bundle, snap.state, snap.ready_tasks[0].id, {})
    assert [s.element_id for s in snap.steps] == ["called_task", "called_script", "called_end", "call", "after", "end"]
    assert snap.data["final"] == 21
