"""The conformance scenarios (scenarios.py) through OneStop's application: the real operations on a
real database, one transaction per step, the parsed-spec cache cleared before each, reduced to the
harness's Trace so that it compares with bare SpiffWorkflow's.

OneStop accepts data for a task only through the task's form, so each task a scenario completes
with data gets a generated form-js form with one field per key it receives (checkbox, number,
text, or a taglist of the values used): the analyst's way of saying what a task may set.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.delivery import correlate_message, send_message, send_signal
from processes.deployments import deploy_version
from processes.errors import CaseStepFailed
from processes.models import Case, Event, Task, Timer
from processes.runtime import clear_bundle_cache
from processes.tasks import complete_task
from processes.timers import fire_due_timers
from processes.unit import Database

from .harness import Scenario, Step, Trace, _path, _plain

T = TypeVar("T")
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
LONG_AGO = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)  # the start: every timer the scenarios fire is due later


def _field(element: str, key: str, values: list[Any]) -> dict[str, Any]:
    field: dict[str, Any] = {"id": f"Field_{element}_{key}", "key": key, "label": key}
    if all(isinstance(v, bool) for v in values):
        return {**field, "type": "checkbox"}
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return {**field, "type": "number"}
    if all(isinstance(v, list) for v in values):
        options = list(dict.fromkeys(item for v in values for item in v))
        return {**field, "type": "taglist", "values": [{"label": str(o), "value": o} for o in options]}
    return {**field, "type": "textfield"}


def forms_for(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """element id -> the form-js form for the data the scenario completes that task with."""
    values: dict[str, dict[str, list[Any]]] = {}
    for step in scenario.steps:
        if step[0] == "complete":
            for key, value in step[2].items():
                values.setdefault(step[1], {}).setdefault(key, []).append(value)
    return {element: {"type": "default", "schemaVersion": 16, "id": f"Form_{element}",
                      "components": [_field(element, key, vs) for key, vs in keys.items()]}
            for element, keys in values.items()}


def sources_with_forms(scenario: Scenario) -> dict[str, str]:
    forms = forms_for(scenario)
    files = {}
    for name, text in scenario.sources().items():
        if name.endswith(".bpmn") and forms:
            root = etree.fromstring(text.encode())
            for element, _ in forms.items():
                for node in root.iter():
                    if node.get("id") == element and isinstance(node.tag, str):
                        _attach_form(node, f"conformance_{element}.form")
            text = etree.tostring(root, encoding="unicode")
        files[name] = text
    files.update({f"conformance_{element}.form": json.dumps(form) for element, form in forms.items()})
    return files


def _attach_form(node: Any, form: str) -> None:
    extensions = node.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        node.insert(0, extensions)
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    etree.SubElement(properties, f"{{{SPIFF}}}property", name="form", value=form)


class ApplicationRun:
    def __init__(self, scenario: Scenario, database: Database):
        self.scenario, self.database = scenario, database
        self.trace = Trace()
        self.case_id: int | None = None
        self.last_event = 0
        self.now = LONG_AGO
        self.stuck: list[str] = []

    def _run(self, work: Callable[[Session], T]) -> T:
        clear_bundle_cache()  # every step parses the version's files again, as a fresh process would
        return self.database.run(work)

    def _step(self, session: Session, step: Step) -> None:
        kind, case_id = step[0], self.case_id
        assert case_id is not None
        if kind == "complete":
            index = step[3] if len(step) > 3 else 0
            tasks = list(session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open",
                                                            Task.element_id == step[1]).order_by(Task.id)))
            complete_task(session, None, tasks[index].id, step[2], now=self.now)
        elif kind == "message":
            send_message(session, None, case_id, step[1], step[2], now=self.now)
        elif kind == "correlate":  # no case named: the payload's correlation values must find this one
            assert correlate_message(session, None, step[1], step[2], now=self.now).case.id == case_id
        elif kind == "signal":
            send_signal(session, None, case_id, step[1], step[2], now=self.now)
        elif kind == "timer":
            due = session.scalars(select(Timer.due_at).where(Timer.case_id == case_id, Timer.state == "waiting",
                                                            Timer.element_id == step[1])).first()
            assert due is not None, f"OneStop keeps no waiting timer at {step[1]}"
            self.now = max(self.now, due)
            assert fire_due_timers(session, now=self.now) >= 1
        else:
            raise AssertionError(f"unknown step {step}")

    def _start_by_message(self, session: Session) -> int:
        assert self.scenario.start_message is not None
        found = correlate_message(session, None, self.scenario.start_message, self.scenario.start, now=self.now)
        assert found.started and found.case.process_key == self.scenario.process
        return found.case.id

    def _record(self, session: Session) -> None:
        events = list(session.scalars(select(Event).where(Event.case_id == self.case_id, Event.id > self.last_event,
                                                          Event.kind == "element_completed").order_by(Event.id)))
        if events:
            self.last_event = events[-1].id
        self.trace.completed_elements.append(
            _path([e.element_id for e in events if e.element_id], self.scenario.unordered))
        self.trace.ready.append(sorted(session.scalars(select(Task.element_id).where(
            Task.case_id == self.case_id, Task.status == "open"))))

    def run(self) -> Trace:
        self._run(lambda s: deploy_version(s, None, sources_with_forms(self.scenario)))
        steps: list[Step | None] = [None, *self.scenario.steps]
        for number, step in enumerate(steps):
            try:
                if step is None and self.scenario.start_message:
                    self.case_id = self._run(lambda s: self._start_by_message(s))
                elif step is None:
                    self.case_id = self._run(lambda s: start_case(s, None, self.scenario.process,
                                                                  self.scenario.start, now=self.now).id)
                else:
                    self._run(lambda s, step=step: self._step(s, step))
            except CaseStepFailed as err:
                self.trace.error_at, self.trace.error_step = err.element_id, number
                break
            self.now += timedelta(seconds=1)
            self._run(self._record)
        if self.case_id is not None:
            case = self._run(lambda s: s.get(Case, self.case_id))
            self.trace.completed = case is not None and case.status == "closed"
            self.trace.data = _plain(case.data if case is not None and self.trace.completed else {})
            self.stuck = list(case.stuck or []) if case is not None else []
        return self.trace
