"""Read a running workflow into the plain values of a Snapshot (tasks, timers, data, what it waits for)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .events import flatten
from .types import PendingTimer, StepRecord, Waiting

_DEFINITE = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def all_tasks(workflow: BpmnWorkflow) -> Iterable[Task]:
    """Every task of the case: the top-level tree and the trees of its sub-processes and call activities."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def finished_ids(workflow: BpmnWorkflow) -> set[Any]:
    return {t.id for t in all_tasks(workflow) if t.has_state(TaskState.FINISHED_MASK)}


def steps_since(workflow: BpmnWorkflow, finished_before: set[Any]) -> list[StepRecord]:
    """The BPMN elements completed since `finished_before`, in the order they completed, at any depth."""
    done = [t for t in all_tasks(workflow)
            if t.state == TaskState.COMPLETED and t.id not in finished_before and t.task_spec.bpmn_id]
    return [
        StepRecord(t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id, type(t.task_spec).__name__)
        for t in sorted(done, key=lambda t: t.last_state_change)
    ]


def pending_timers(workflow: BpmnWorkflow) -> list[PendingTimer]:
    """Waiting timer events with their due moment, timers behind an event-based gateway included."""
    timers = []
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        if not any(isinstance(d, TimerEventDefinition) for d in flatten(task.task_spec.event_definition)):
            continue
        value = task._get_internal_data("event_value")
        if isinstance(value, dict):  # cycle timers keep their next firing here
            value = value.get("next")
        if not value:
            continue
        due = TimerEventDefinition.get_datetime(str(value))
        timers.append(PendingTimer(str(task.id), task.task_spec.bpmn_id or "", due.astimezone(UTC)))
    return sorted(timers, key=lambda t: (t.due_at, t.element_id))


def case_data(workflow: BpmnWorkflow, ready: list[Task]) -> dict[str, Any]:
    """The data a person looking at the case should see.

    Completed: the workflow's data. A ready task: the latest one's. Otherwise the waiting tasks'
    data, merged oldest first, so a case that waits for a message shows what it has, not {}."""
    if workflow.is_completed():
        data = dict(workflow.data)
    elif ready:
        data = dict(max(ready, key=lambda t: t.last_state_change).data)
    else:
        data = {}
        live = [t for t in all_tasks(workflow) if t.has_state(_DEFINITE)]
        waiting = [t for t in live if t.state == TaskState.WAITING] or live
        for task in sorted(waiting, key=lambda t: t.last_state_change):
            # A waiting join has not taken its data yet: what reached it is its incoming task's.
            data.update(task.data or (task.parent.data if task.parent is not None else {}))
        if not data:
            data = dict(workflow.data)
    data.pop("data_objects", None)
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result


def stuck_elements(workflow: BpmnWorkflow, ready: list[Task], waiting: list[Waiting]) -> list[str]:
    """Element ids of the unfinished tasks of a case that can neither move nor wait on anything."""
    if ready or waiting or workflow.is_completed():
        return []
    unfinished = [t for t in all_tasks(workflow) if not t.has_state(TaskState.FINISHED_MASK)]
    # BPMN elements first: SpiffWorkflow's own end join waits for them and says nothing to an analyst.
    elements = {t.task_spec.bpmn_id for t in unfinished if t.has_state(_DEFINITE) and t.task_spec.bpmn_id}
    return sorted(elements or {t.task_spec.bpmn_id or t.task_spec.name for t in unfinished})
