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

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
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
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .correlation import Correlations, describe, encode, matches, properties_of, values_in, waiting_values
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


def _catchers(workflow: BpmnWorkflow) -> Iterator[tuple[str, EventDefinition, Task | None]]:
    """(element id, event definition, waiting task or None for a sub-process start) of everything that
    can catch an event now."""
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        for definition in flatten(task.task_spec.event_definition):
            yield task.task_spec.bpmn_id or task.task_spec.name, definition, task
    if workflow.completed:
        return
    for name in workflow.spec.start.trigger_specs:
        spec = workflow.subprocess_specs.get(name)
        for start in spec.bpmn_start_events if spec is not None else []:
            for definition in flatten(start.event_definition):
                yield start.bpmn_id or start.name, definition, None


def _correlations(workflow: BpmnWorkflow, definition: EventDefinition, task: Task | None,
                  data: Mapping[str, Any]) -> Correlations:
    """What a message must carry to belong to this case, read where the catcher sees the case's data."""
    if not properties_of(definition):
        return ()
    owner = task.workflow if task is not None else workflow
    return waiting_values(workflow.script_engine.environment, definition, owner.correlations,
                          task.data if task is not None else data)


def waiting_for(workflow: BpmnWorkflow, data: Mapping[str, Any] | None = None) -> list[Waiting]:
    """Every message, signal, timer or condition the case waits for, once each, in tree order.

    `data`: the case's data, which an event sub-process's message start reads its correlation from."""
    seen: dict[Waiting, None] = {}
    for element_id, definition, task in _catchers(workflow):
        kind = _kind(definition)
        if kind is not None:
            correlations = _correlations(workflow, definition, task, data or {}) if kind == "message" else ()
            seen.setdefault(Waiting(element_id, kind, _name(definition, kind), correlations))
    return list(seen)


def deliver(workflow: BpmnWorkflow, kind: str, name: str, payload: Mapping[str, Any]) -> None:
    """Hand message or signal `name` with `payload` to whatever in the case waits for it.

    Raises NotWaiting when nothing does, naming what the case does wait for, or when the message's
    correlation values (BPMN correlation) are not the case's."""
    cls = MessageEventDefinition if kind == "message" else SignalEventDefinition
    found = [(d, t) for _, d, t in _catchers(workflow) if isinstance(d, cls) and d.name == name]
    if not found:
        waits = ", ".join(f"{w.kind} '{w.name}' ({w.element_id})" for w in waiting_for(workflow)) or "nothing"
        raise NotWaiting(f"the case waits for no {kind} '{name}' (it waits for: {waits})")
    definition = found[0][0]
    environment = workflow.script_engine.environment
    correlations = values_in(environment, properties_of(definition), payload)
    # Several catchers (parallel branches) may wait for it with values of their own: any one will do.
    expected = tuple(pair for d, t in found for pair in _correlations(workflow, d, t, {}))
    if correlations and expected and not matches(encode(correlations), expected):
        raise NotWaiting(f"the case waits for message '{name}' with {describe(expected)}, "
                         f"not with {describe(encode(correlations))}")
    try:
        workflow.send_event(BpmnEvent(definition, payload=dict(payload), correlations=correlations))
    except WorkflowException as err:
        if type(err) is not WorkflowException:  # a task's own error while catching: the step failed
            raise
        # SpiffWorkflow holds correlation values for the case that this message does not carry.
        raise NotWaiting(f"the case waits for message '{name}' with {describe(expected)}, "
                         f"not with {describe(encode(correlations))}") from err


def start_messages(bundle: Any) -> list[str]:
    """The names of the messages a bundle's process starts with (message start events of its top level)."""
    names = []
    spec: BpmnProcessSpec = bundle.spec
    for start in spec.bpmn_start_events:
        for definition in flatten(start.event_definition):
            if isinstance(definition, MessageEventDefinition) and definition.name:
                names.append(str(definition.name))
    return sorted(set(names))


def message_definitions(bundle: Any, name: str) -> list[MessageEventDefinition]:
    """Every definition of message `name` in a bundle's processes (top level, sub-processes, called)."""
    found = []
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            event_definition = getattr(task_spec, "event_definition", None)
            for definition in flatten(event_definition) if event_definition is not None else []:
                if isinstance(definition, MessageEventDefinition) and definition.name == name:
                    found.append(definition)
    return found
