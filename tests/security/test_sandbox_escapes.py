"""Every known sandbox escape in escape_corpus.py is refused, in a script task and in a gateway
condition, at both gates an analyst's code meets:

- deploy: engine.validate reports the element, or the process deploys and its first run fails with
  a ScriptError naming the element (an attribute looked up by a computed name is only seen then);
- run time, with the validator bypassed (a version deployed before a rule was added): the engine's
  own sandbox still refuses, as a clean ScriptError, and the payload's side effect never happens.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from escape_corpus import ESCAPES
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import Engine, ProcessBundle, ScriptError, load_bundle, validate

PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
                  targetNamespace="http://onestop.example/bpmn">
  <bpmn:process id="attempt" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_script</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to_script" sourceRef="start" targetRef="analyst_script" />
    <bpmn:scriptTask id="analyst_script">
      <bpmn:incoming>to_script</bpmn:incoming>
      <bpmn:outgoing>to_gateway</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="to_gateway" sourceRef="analyst_script" targetRef="decide" />
    <bpmn:exclusiveGateway id="decide" default="otherwise">
      <bpmn:incoming>to_gateway</bpmn:incoming>
      <bpmn:outgoing>analyst_condition</bpmn:outgoing>
      <bpmn:outgoing>otherwise</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="analyst_condition" sourceRef="decide" targetRef="end_a">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="otherwise" sourceRef="decide" targetRef="end_b" />
    <bpmn:endEvent id="end_a"><bpmn:incoming>analyst_condition</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_b"><bpmn:incoming>otherwise</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
SCRIPT, CONDITION = {"analyst_script"}, {"analyst_condition", "decide"}  # a condition fails on its gateway
ATTEMPTS = [pytest.param(script, "items == [1]", SCRIPT, id=f"script: {name}") for name, script, _ in ESCAPES]
ATTEMPTS += [pytest.param("ok = True", condition, CONDITION, id=f"condition: {name}")
             for name, _, condition in ESCAPES if condition is not None]


def process_file(script: str, condition: str) -> dict[str, str]:
    return {"attempt.bpmn": PROCESS.format(script=escape(script), condition=escape(condition))}


def unvalidated_bundle(files: dict[str, str]) -> ProcessBundle:
    """The parsed process without OneStop's validator: only the sandbox stands in the way."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(files["attempt.bpmn"].encode())
    return ProcessBundle(key="attempt", name="attempt", spec=parser.get_spec("attempt"),
                         subprocess_specs=parser.get_subprocess_specs("attempt"), files=files, forms={},
                         content_hash="-")


def test_the_harmless_versions_run_so_the_refusals_below_are_the_sandboxs_doing() -> None:
    files = process_file("items.append(2)\nlabel = f'{len(items):>3}' + 'x'.ljust(3) + '%5d' % 7", "items == [1, 2]")
    assert validate(files) == []
    snapshot = Engine(time_limit=1.0).start(load_bundle(files), {"items": [1]})
    assert snapshot.completed
    assert snapshot.data["label"] == "  2x      7"
    assert Engine().start(unvalidated_bundle(files), {"items": [1]}).completed


@pytest.mark.parametrize(("script", "condition", "elements"), ATTEMPTS)
def test_escape_attempt_is_refused_at_deploy_and_at_run_time(
    script: str, condition: str, elements: set[str], tmp_path: Path
) -> None:
    canary = tmp_path / "canary"
    files = process_file(script.replace("CANARY", str(canary)), condition.replace("CANARY", str(canary)))
    engine = Engine(time_limit=0.5)

    problems = validate(files)
    if problems:
        assert {p.element_id for p in problems} <= elements, problems
    else:
        with pytest.raises(ScriptError) as at_deploy:
            engine.start(load_bundle(files), {"items": [1]})
        assert at_deploy.value.element_id in elements

    with pytest.raises(ScriptError) as at_run_time:
        engine.start(unvalidated_bundle(files), {"items": [1]})
    assert at_run_time.value.element_id in elements, at_run_time.value.message
    assert not canary.exists()


def test_the_case_data_limit_names_the_element_and_the_variable() -> None:
    files = process_file("first = 'x' * 600000\nreport = 'y' * 600000", "items == [1]")
    with pytest.raises(ScriptError) as caught:
        Engine().start(load_bundle(files), {"items": [1]})
    assert caught.value.element_id == "analyst_script"
    assert "variable 'report' takes the case data past its limit of 1 MB" in caught.value.message

    roomier = Engine(data_limit=2 * 1024 * 1024).start(load_bundle(files), {"items": [1]})
    assert roomier.completed and len(roomier.data["report"]) == 600000
