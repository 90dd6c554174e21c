"""The reference: the same BPMN run by bare SpiffWorkflow in memory (its own parser, script engine and
serializer-free workflow), driven by the same choices as OneStop, for tests/conformance."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition, SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

KINDS = ((MessageEventDefinition, "message"), (SignalEventDefinition, "signal"), (TimerEventDefinition, "timer"))


class BareCase:
    """One case run by SpiffWorkflow alone; `completed` counts every element it completed."""

    def __init__(self, files: Mapping[str, str], key: str, data: Mapping[str, Any]):
        parser = SpiffBpmnParser()
        for name, content in files.items():
            if name.endswith(".bpmn"):
                parser.add_bpmn_str(content.encode(), filename=name)
        self.workflow = BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key))
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self.completed: dict[Any, str] = {}
        self._advance()

    def _tasks(self) -> Iterable[Task]:
        yield from self.workflow.tasks.values()
        for subprocess in self.workflow.subprocesses.values():
            yield from subprocess.tasks.values()

    def _advance(self) -> None:
        self.workflow.do_engine_steps()
        self.workflow.refresh_timers()
        self.workflow.do_engine_steps()
        # Scanned after every action, so what a sub-process completed is counted before it goes away.
        for task in self._tasks():
            if task.state == TaskState.COMPLETED and task.task_spec.bpmn_id:
                self.completed.setdefault(task.id, task.task_spec.bpmn_id)

    def ready(self) -> list[Task]:
        return sorted(self.workflow.get_tasks(state=TaskState.READY, manual=True),
                      key=lambda t: t.task_spec.bpmn_id)

    def waiting(self) -> list[tuple[str, str]]:
        """(kind, element id) of every waiting message, signal and timer catch event."""
        found = set()
        for task in self.workflow.event_manager.tasks.values():
            if task.state != TaskState.WAITING:
                continue
            for cls, kind in KINDS:
                if isinstance(task.task_spec.event_definition, cls):
                    found.add((kind, task.task_spec.bpmn_id))
        return sorted(found)

    def complete(self, element_id: str, data: Mapping[str, Any]) -> None:
        task = next(t for t in self.ready() if t.task_spec.bpmn_id == element_id)
        task.data.update(data)
        task.run()
        self._advance()

    def deliver(self, kind: str, name: str, payload: Mapping[str, Any]) -> None:
        cls = MessageEventDefinition if kind == "message" else SignalEventDefinition
        definition = next(t.task_spec.event_definition for t in self.workflow.event_manager.tasks.values()
                          if isinstance(t.task_spec.event_definition, cls)
                          and t.task_spec.event_definition.name == name)
        self.workflow.catch(BpmnEvent(definition, payload=dict(payload)))
        self._advance()

    def fire_timers(self) -> None:
        """SpiffWorkflow has no call to fire a timer before it is due: mark them fired, as its timers do."""
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            if isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
                task._set_internal_data(event_fired=True)
        self._advance()

    def data(self) -> dict[str, Any]:
        """What the case holds now: the workflow's data when done, else the newest ready task's."""
        if self.workflow.is_completed():
            return dict(self.workflow.data)
        ready = self.ready()
        return dict(max(ready, key=lambda t: t.last_state_change).data) if ready else {}

    def steps(self) -> Counter[str]:
        return Counter(self.completed.values())
