"""What a case waits for besides people, and delivering messages and signals to it.

SpiffWorkflow keeps the waiting catch events (intermediate events, receive tasks, boundary
events, event-based gateways) in its event manager. An event sub-process is not in the task
tree until its start event fires, so its message and signal start events are read from the
spec: the top-level start task lists them (`trigger_specs`), as SpiffWorkflow does when it
correlates an event.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import (
    ConditionalEventDefinition,
    MessageEventDefinition,
    MultipleEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .types import NotWaiting, Waiting

# Only these can come from outside the case or from the clock; errors, escalations and the rest
# are thrown inside the case and never make a waiting case move.
_KINDS: tuple[tuple[type[EventDefinition], str], ...] = (
    (MessageEventDefinition, "message"),
    (SignalEventDefinition, "signal"),
    (TimerEventDefinition, "timer"),
    (ConditionalEventDefinition, "condition"),
)


def _kind(definition: EventDefinition) -> str | None:
    for cls, kind in _KINDS:
        if isinstance(definition, cls):
            return kind
    return None


def _name(definition: EventDefinition, kind: str) -> str:
    if kind in ("timer", "condition"):
        return str(getattr(definition, "expression", "") or "")
    return str(definition.name or "")


def flatten(definition: EventDefinition) -> Iterator[EventDefinition]:
    if isinstance(definition, MultipleEventDefinition):
        for item in definition.event_definitions:
            yield from flatten(item)
    else:
        yield definition


def _catchers(workflow: BpmnWorkflow) -> Iterator[tuple[str, EventDefinition]]:
    """(element id, event definition) of everything that can catch an event now."""
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        for definition in flatten(task.task_spec.event_definition):
            yield task.task_spec.bpmn_id or task.task_spec.name, definition
    if workflow.completed:
        return
    for name in workflow.spec.start.trigger_specs:
        spec = workflow.subprocess_specs.get(name)
        for start in spec.bpmn_start_events if spec is not None else []:
            for definition in flatten(start.event_definition):
                yield start.bpmn_id or start.name, definition


def waiting_for(workflow: BpmnWorkflow) -> list[Waiting]:
    """Every message, signal, timer or condition the case waits for, once each, in tree order."""
    seen: dict[Waiting, None] = {}
    for element_id, definition in _catchers(workflow):
        kind = _kind(definition)
        if kind is not None:
            seen.setdefault(Waiting(element_id, kind, _name(definition, kind)))
    return list(seen)


def deliver(workflow: BpmnWorkflow, kind: str, name: str, payload: Mapping[str, Any]) -> None:
    """Hand message or signal `name` with `payload` to whatever in the case waits for it.

    Raises NotWaiting when nothing does, naming what the case does wait for."""
    cls = MessageEventDefinition if kind == "message" else SignalEventDefinition
    definition = next(
        (d for _, d in _catchers(workflow) if isinstance(d, cls) and d.name == name), None
    )
    if definition is None:
        waits = ", ".join(f"{w.kind} '{w.name}' ({w.element_id})" for w in waiting_for(workflow)) or "nothing"
        raise NotWaiting(f"the case waits for no {kind} '{name}' (it waits for: {waits})")
    correlations: dict[str, Any] = {}
    properties = getattr(definition, "correlation_properties", None)
    if properties:
        correlations = definition.calculate_correlations(workflow.script_engine, properties, dict(payload))
    workflow.send_event(BpmnEvent(definition, payload=dict(payload), correlations=correlations))
