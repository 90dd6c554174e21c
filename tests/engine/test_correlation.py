"""BPMN message correlation in the engine: what a waiting message must carry, read from the case's data
or from SpiffWorkflow's own values; a case started by a message; payloads a process would drop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, NotWaiting, ProcessBundle, load_bundle, start_messages, validate

BPMN_DIR = Path(__file__).resolve().parents[1] / "conformance" / "bpmn"
A17 = (("application", '{"application_id":"A-17"}'),)


def _bundle(name: str) -> ProcessBundle:
    return load_bundle({f"{name}.bpmn": (BPMN_DIR / f"{name}.bpmn").read_text()}, key=name)


def _saved(state: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(state))  # as the database keeps it
    return result


def test_a_waiting_message_carries_the_correlation_values_read_from_the_case_data() -> None:
    bundle = _bundle("message_correlation")
    engine = Engine()
    snap = engine.start(bundle, {"application_id": "A-17"})
    [wait] = snap.waiting
    assert (wait.element_id, wait.name, wait.correlations) == ("wait_decision", "decision", A17)
    assert engine.snapshot(bundle, _saved(snap.state)).waiting == [wait]  # the same after a save and restore
    assert engine.message_correlations(bundle, "decision", {"application_id": "A-17", "x": 1}) == A17
    assert engine.message_correlations(bundle, "decision", {"outcome": "granted"}) == ()  # lacks the field
    assert engine.message_correlations(bundle, "unknown", {"application_id": "A-17"}) == ()


def test_a_case_without_the_correlation_field_waits_uncorrelated() -> None:
    [wait] = Engine().start(_bundle("message_correlation"), {}).waiting
    assert wait.correlations == ()


def test_a_message_with_other_correlation_values_is_refused_and_the_right_one_caught() -> None:
    bundle = _bundle("message_correlation")
    engine = Engine()
    state = _saved(engine.start(bundle, {"application_id": "A-17"}).state)
    with pytest.raises(NotWaiting, match='with application_id = "A-17", not with application_id = "A-18"'):
        engine.send_message(bundle, state, "decision", {"application_id": "A-18", "outcome": "refused"})
    snap = engine.send_message(bundle, state, "decision", {"application_id": "A-17", "outcome": "granted"})
    assert snap.completed and snap.data["outcome"] == "granted"


def test_a_process_starts_by_its_message_start_event_and_keeps_the_values_for_later_messages() -> None:
    bundle = _bundle("message_start")
    engine = Engine()
    assert start_messages(bundle) == ["application_received"]
    snap = engine.start_by_message(bundle, "application_received", {"application_id": "A-9", "kind": "permit"})
    assert [s.element_id for s in snap.steps] == ["received", "register"]
    assert snap.data["application"] == {"application_id": "A-9", "kind": "permit"}
    # The case data holds no application_id: the values are SpiffWorkflow's, from the start message.
    [wait] = snap.waiting
    assert (wait.name, wait.correlations) == ("ruling", (("application", '{"application_id":"A-9"}'),))
    state = _saved(snap.state)
    with pytest.raises(NotWaiting, match="not with application_id"):
        engine.send_message(bundle, state, "ruling", {"application_id": "A-10", "outcome": "x"})
    assert engine.send_message(bundle, state, "ruling", {"application_id": "A-9", "outcome": "x"}).completed


def test_a_process_does_not_start_by_a_message_it_has_no_start_event_for() -> None:
    with pytest.raises(NotWaiting, match="does not start with message 'decision'"):
        Engine().start_by_message(_bundle("message_correlation"), "decision", {"application_id": "A-1"})
    assert start_messages(_bundle("message_correlation")) == []


def _without(source: str, text: str) -> str:
    assert text in source
    return source.replace(text, "")


@pytest.mark.parametrize(("name", "dropped", "element", "says"), [
    ("message_correlation", "<bpmn:extensionElements><spiffworkflow:messageVariable>decision"
     "</spiffworkflow:messageVariable></bpmn:extensionElements>", "wait_decision",
     "catches message 'decision' but names no variable for its payload"),
    ("message_start", "<bpmn:extensionElements><spiffworkflow:messageVariable>application"
     "</spiffworkflow:messageVariable></bpmn:extensionElements>", "received",
     "catches message 'application_received'"),
    ("signal_throw_catch", "<bpmn:extensionElements><spiffworkflow:variableName>go_signal"
     "</spiffworkflow:variableName></bpmn:extensionElements>", "catch_go",
     "catches signal 'go' but names no variable for its payload, which SpiffWorkflow would drop: add "
     "spiffworkflow:variableName"),
])
def test_a_catch_that_would_drop_its_payload_is_refused(name: str, dropped: str, element: str, says: str) -> None:
    source = (BPMN_DIR / f"{name}.bpmn").read_text()
    assert validate({f"{name}.bpmn": source}) == []
    problems = validate({f"{name}.bpmn": _without(source, dropped)})
    assert [p.element_id for p in problems] == [element]
    assert says in problems[0].message


def test_a_receive_task_names_its_payload_variable_on_the_message_or_itself() -> None:
    def receive(extension: str, on_message: str = "") -> str:
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:message id="m" name="reply">{on_message}</bpmn:message>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:receiveTask id="receive" messageRef="m">{extension}</bpmn:receiveTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="receive"/>
    <bpmn:sequenceFlow id="f2" sourceRef="receive" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    variable = "<bpmn:extensionElements><spiffworkflow:messageVariable>r</spiffworkflow:messageVariable>" \
               "</bpmn:extensionElements>"
    assert validate({"p.bpmn": receive(variable)}) == []
    assert validate({"p.bpmn": receive("", variable)}) == []
    [problem] = validate({"p.bpmn": receive("")})
    assert problem.element_id == "receive" and "catches message 'reply'" in problem.message
