"""Run one scenario twice: with bare SpiffWorkflow in memory, and through OneStop's engine as the CLI does.

Bare: SpiffBpmnParser, BpmnWorkflow with the default script engine, the workflow kept in memory.
OneStop: for every step a freshly parsed bundle (`load_bundle` again), the state through
`json.dumps`/`json.loads`, and a new Engine object. Each run is reduced to the same `Trace`
(ready tasks and completed elements after each step, end state, data, error), so they compare equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import (
    MessageEventDefinition,
    MultipleEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine import Engine, ProcessBundle, ScriptError, Snapshot, load_bundle

BPMN_DIR = Path(__file__).parent / "bpmn"

# A step: ("complete", element_id, data[, which ready instance]), ("message", name, payload),
# ("signal", name, payload) or ("timer", element_id). ("correlate", name, payload) is a message too,
# which the application finds the case of by its BPMN correlation values instead of the case id.
Step = tuple[Any, ...]


@dataclass
class Scenario:
    name: str
    files: list[str]
    process: str
    steps: list[Step] = field(default_factory=list)
    start: dict[str, Any] = field(default_factory=dict)
    # The element whose error ends the scenario (both runs must fail there, at the same step).
    error_at: str | None = None
    # Completed elements compared as a multiset per step: parallel branches may run in any order.
    unordered: bool = False
    # The elements OneStop must report as stuck at the end (the case can neither move nor wait).
    stuck: list[str] = field(default_factory=list)
    # The case starts by this message (a message start event), with `start` as its payload.
    start_message: str | None = None

    def sources(self) -> dict[str, str]:
        return {name: (BPMN_DIR / name).read_text() for name in self.files}


@dataclass
class Trace:
    """What a run looked like from outside, after each step (the start counts as one)."""

    ready: list[list[str]] = field(default_factory=list)
    completed_elements: list[list[str]] = field(default_factory=list)
    completed: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    error_at: str | None = None
    error_step: int | None = None


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k != "data_objects"}
    result: dict[str, Any] = json.loads(json.dumps(data, default=str, sort_keys=True))
    return result


def _path(elements: list[str], unordered: bool) -> list[str]:
    return sorted(elements) if unordered else elements


# --- bare SpiffWorkflow -------------------------------------------------------------------------------

def _bare_tasks(workflow: BpmnWorkflow) -> Iterator[Task]:
    yield from workflow.tasks.values()
    for sub in workflow.subprocesses.values():
        yield from sub.tasks.values()


def _bare_definition(workflow: BpmnWorkflow, cls: type[Any], name: str) -> Any:
    def flat(definition: Any) -> Iterator[Any]:
        if isinstance(definition, MultipleEventDefinition):
            for item in definition.event_definitions:
                yield from flat(item)
        else:
            yield definition

    for task in workflow.event_manager.tasks.values():
        for definition in flat(task.task_spec.event_definition):
            if isinstance(definition, cls) and definition.name == name:
                return definition
    for spec_name in workflow.spec.start.trigger_specs:
        for start in workflow.subprocess_specs[spec_name].bpmn_start_events:
            for definition in flat(start.event_definition):
                if isinstance(definition, cls) and definition.name == name:
                    return definition
    raise AssertionError(f"bare workflow waits for no {name}")


def _failed_at(err: Exception) -> str:
    """The element an error of bare SpiffWorkflow names, or else the task its innermost frame worked on."""
    task = getattr(err, "task", None)
    if isinstance(err, SpiffWorkflowException) and task is not None:
        return str(task.task_spec.bpmn_id)
    element = "?"
    trace = err.__traceback__
    while trace is not None:
        local = trace.tb_frame.f_locals.get("my_task")
        if isinstance(local, Task):
            element = str(local.task_spec.bpmn_id)
        trace = trace.tb_next
    return element


class BareRun:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        parser = SpiffBpmnParser()
        for name, text in scenario.sources().items():
            if name.endswith(".dmn"):
                parser.add_dmn_str(text.encode())
            else:
                parser.add_bpmn_str(text.encode())
        spec = parser.get_spec(scenario.process)
        self.workflow = BpmnWorkflow(spec, parser.get_subprocess_specs(scenario.process))
        self.trace = Trace()

    def _record(self, before: set[Any]) -> None:
        done = sorted((t for t in _bare_tasks(self.workflow)
                       if t.state == TaskState.COMPLETED and t.id not in before and t.task_spec.bpmn_id),
                      key=lambda t: t.last_state_change)
        self.trace.completed_elements.append(_path([t.task_spec.bpmn_id for t in done], self.scenario.unordered))
        self.trace.ready.append(sorted(t.task_spec.bpmn_id for t in self._ready()))

    def _ready(self) -> list[Task]:
        return self.workflow.get_tasks(state=TaskState.READY, manual=True)

    def _finished(self) -> set[Any]:
        return {t.id for t in _bare_tasks(self.workflow) if t.has_state(TaskState.FINISHED_MASK)}

    def _step(self, step: Step) -> None:
        kind = step[0]
        wf = self.workflow
        if kind == "complete":
            index = step[3] if len(step) > 3 else 0
            task = [t for t in self._ready() if t.task_spec.bpmn_id == step[1]][index]
            task.data.update(step[2])
            task.run()
        elif kind in ("message", "correlate", "signal"):
            cls = SignalEventDefinition if kind == "signal" else MessageEventDefinition
            self._send(_bare_definition(wf, cls, step[1]), step[2])
        elif kind == "timer":
            for task in wf.get_tasks(state=TaskState.WAITING):
                if task.task_spec.bpmn_id == step[1]:
                    task._set_internal_data(event_fired=True)
        wf.do_engine_steps()
        wf.refresh_timers()
        wf.do_engine_steps()

    def _send(self, definition: Any, payload: dict[str, Any]) -> None:
        """As SpiffWorkflow's own message throw does: the correlation values read from the payload."""
        properties = getattr(definition, "correlation_properties", None) or []
        correlations = definition.calculate_correlations(self.workflow.script_engine, properties, payload) \
            if properties else {}
        self.workflow.send_event(BpmnEvent(definition, payload=dict(payload), correlations=correlations))

    def run(self) -> Trace:
        steps: list[Step | None] = [None, *self.scenario.steps]
        for number, step in enumerate(steps):
            before = self._finished()
            try:
                if step is None and self.scenario.start_message:
                    self.workflow.do_engine_steps()  # the message start event now waits
                    definition = _bare_definition(self.workflow, MessageEventDefinition, self.scenario.start_message)
                    self._send(definition, self.scenario.start)
                    self.workflow.do_engine_steps()
                elif step is None:
                    for task in self.workflow.get_tasks(state=TaskState.READY):
                        task.data.update(self.scenario.start)
                    self.workflow.do_engine_steps()
                else:
                    self._step(step)
            except Exception as err:  # noqa: BLE001 - SpiffWorkflow raises bare TypeErrors on some bad data
                self.trace.error_at = _failed_at(err)
                self.trace.error_step = number
                break
            self._record(before)
        self.trace.completed = self.workflow.is_completed()
        self.trace.data = _plain(self.workflow.data if self.trace.completed else {})
        return self.trace


# --- OneStop --------------------------------------------------------------------------------------------

class OneStopRun:
    """Every step as a fresh process would take it; `cached` reuses one bundle (a long-lived worker)."""

    def __init__(self, scenario: Scenario, cached: bool = False):
        self.scenario = scenario
        self.cached = load_bundle(scenario.sources(), key=scenario.process) if cached else None
        self.trace = Trace()
        self.snapshots: list[Snapshot] = []
        self.errors: list[ScriptError] = []

    def bundle(self) -> ProcessBundle:
        return self.cached or load_bundle(self.scenario.sources(), key=self.scenario.process)

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(json.dumps(self.snapshots[-1].state))
        return result

    def _step(self, step: Step) -> Snapshot:
        engine, bundle, snap = Engine(), self.bundle(), self.snapshots[-1]
        kind = step[0]
        if kind == "complete":
            index = step[3] if len(step) > 3 else 0
            task = [t for t in snap.ready_tasks if t.element_id == step[1]][index]
            return engine.complete_task(bundle, self.state(), task.id, step[2])
        if kind in ("message", "correlate"):
            return engine.send_message(bundle, self.state(), step[1], step[2])
        if kind == "signal":
            return engine.send_signal(bundle, self.state(), step[1], step[2])
        if kind == "timer":
            ids = [t.task_id for t in snap.timers if t.element_id == step[1]]
            assert ids, f"OneStop lists no pending timer at {step[1]}: {snap.timers}"
            return engine.fire_timers(bundle, self.state(), ids)
        raise AssertionError(f"unknown step {step}")

    def _check_restore(self, snap: Snapshot) -> None:
        """Read back in a fresh engine on a fresh parse, the stored state says exactly what the step said."""
        state = json.loads(json.dumps(snap.state))
        again = Engine().snapshot(load_bundle(self.scenario.sources(), key=self.scenario.process), state)
        assert (again.ready_tasks, again.timers, again.waiting, again.stuck, again.data, again.completed) == \
            (snap.ready_tasks, snap.timers, snap.waiting, snap.stuck, snap.data, snap.completed)

    def run(self) -> Trace:
        steps: list[Step | None] = [None, *self.scenario.steps]
        for number, step in enumerate(steps):
            try:
                if step is None and self.scenario.start_message:
                    snap = Engine().start_by_message(self.bundle(), self.scenario.start_message, self.scenario.start)
                else:
                    snap = Engine().start(self.bundle(), self.scenario.start) if step is None else self._step(step)
            except ScriptError as err:
                self.errors.append(err)
                self.trace.error_at = err.element_id
                self.trace.error_step = number
                break
            self._check_restore(snap)
            self.snapshots.append(snap)
            self.trace.completed_elements.append(
                _path([s.element_id for s in snap.steps], self.scenario.unordered))
            self.trace.ready.append(sorted(t.element_id for t in snap.ready_tasks))
        last = self.snapshots[-1] if self.snapshots else None
        self.trace.completed = bool(last and last.completed)
        self.trace.data = _plain(last.data if last and last.completed else {})
        return self.trace
