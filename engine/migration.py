"""Move a running case from one version of its process to another.

SpiffWorkflow 3.2 restores a task tree by task-spec NAME (the BPMN id), so a case can be
restored against another version's spec when every task in its stored tree has a spec of that
name there. Compaction keeps only the unfinished tasks and their parents, which keeps the check
small. We align the tree with SpiffWorkflow's own spec diff (ids first, then structure for
renamed elements), then reset each waiting task's branch so that its predicted future follows
the target version's flows. A task whose element the target version lacks cannot move: the plan
says so and the case is left untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import diff_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .bundle import ProcessBundle
from .runner import Engine, Service
from .snapshot import finished_ids
from .state import _REGISTRY, dump_state, load_state
from .types import Snapshot

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass(frozen=True)
class TaskMove:
    """Where one waiting task of the case lands in the target version."""

    task_id: str
    element_id: str
    name: str
    target_element_id: str | None
    target_name: str | None
    waiting_for: str  # "person" for user tasks, "event" for timers and other catching events

    @property
    def possible(self) -> bool:
        return self.target_element_id is not None


@dataclass
class MigrationPlan:
    """The moves of a case's waiting tasks and, when it cannot move, why (one line each)."""

    moves: list[TaskMove] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.problems


def _label(task: Task) -> str:
    spec = task.task_spec
    name = spec.bpmn_name or spec.bpmn_id or spec.name
    return f"'{name}' ({spec.bpmn_id or spec.name})"


def _element_label(target: ProcessBundle, task: Task) -> str:
    """'Name' (element id) of the BPMN element an internal task belongs to (`handle_request.BoundaryEventJoin`)."""
    element_id = task.task_spec.name.split(".", 1)[0]
    name = target.element_names.get(element_id, element_id)
    return f"'{name}' ({element_id})"


def _align(workflow: BpmnWorkflow, target: ProcessBundle, plan: MigrationPlan) -> dict[Task, Any]:
    top, _subprocesses = diff_workflow(_REGISTRY, workflow, target.spec, target.subprocess_specs)
    aligned: dict[Task, Any] = {}
    for task in workflow.tasks.values():
        new_spec = top.alignment.get(task)
        if task.has_state(LIVE) and not task.task_spec.bpmn_id:
            # An engine-internal task (the join under a boundary event): people know only its element.
            if new_spec is None:
                plan.problems.append(f"the events attached to {_element_label(target, task)} have no counterpart "
                                     "in the target version")
        elif task.has_state(LIVE):
            spec = task.task_spec
            plan.moves.append(TaskMove(
                str(task.id), spec.bpmn_id or spec.name, spec.bpmn_name or spec.bpmn_id or spec.name,
                getattr(new_spec, "bpmn_id", None) or getattr(new_spec, "name", None) if new_spec else None,
                (new_spec.bpmn_name or new_spec.bpmn_id) if new_spec else None,
                "person" if spec.manual else "event",
            ))
            if new_spec is None:
                plan.problems.append(f"the waiting task {_label(task)} has no counterpart in the target version")
        if new_spec is not None:
            aligned[task] = new_spec
    return aligned


def _drop_unmatched_history(workflow: BpmnWorkflow, aligned: dict[Task, Any]) -> None:
    """Finished tasks the target lacks are history: drop them, re-attaching their kept children to
    the root (as compaction does). Waiting tasks keep their own data, so nothing is lost."""
    root = workflow.task_tree
    for task in [t for t in workflow.tasks.values() if t not in aligned and t is not root]:
        if not task.has_state(TaskState.FINISHED_MASK):
            continue
        for child in task.children:
            child._parent = root.id
            root._children.append(child.id)
        if task.parent is not None:
            task.parent._children = [c for c in task.parent._children if c != task.id]
        del workflow.tasks[task.id]


def _retarget(workflow: BpmnWorkflow, target: ProcessBundle, aligned: dict[Task, Any]) -> None:
    workflow.spec = target.spec
    workflow.subprocess_specs = target.subprocess_specs
    for name in target.spec.data_objects:  # new in the target version: empty, as in a case started on it
        workflow.data.setdefault("data_objects", {}).setdefault(name, None)
    for task, spec in aligned.items():
        task.task_spec = spec
    _drop_unmatched_history(workflow, aligned)
    for task in [t for t in workflow.tasks.values() if t.has_state(TaskState.READY | TaskState.WAITING)]:
        if task.id in workflow.tasks:  # an earlier reset may have removed it
            task.reset_branch(deepcopy(task.data))
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None


def _migrated(source: ProcessBundle, target: ProcessBundle,
              state: Mapping[str, Any]) -> tuple[MigrationPlan, BpmnWorkflow | None]:
    plan = MigrationPlan()
    if state.get("subprocesses"):
        plan.problems.append("cases inside a subprocess or call activity cannot be moved")
        return plan, None
    workflow = load_state(source, dict(state))
    aligned = _align(workflow, target, plan)
    if not plan.possible:
        return plan, None
    _retarget(workflow, target, aligned)
    missing = sorted({t.task_spec.name for t in workflow.tasks.values()
                      if target.spec.task_specs.get(t.task_spec.name) is not t.task_spec})
    if missing:
        plan.problems.append(f"elements {', '.join(missing)} of the case are not in the target version")
        return plan, None
    return plan, workflow


def plan_migration(source: ProcessBundle, target: ProcessBundle, state: Mapping[str, Any]) -> MigrationPlan:
    """Dry run: where each waiting task would land, or why the case cannot move. Nothing is run."""
    plan, workflow = _migrated(source, target, state)
    if workflow is not None:
        load_state(target, dump_state(workflow))  # it must restore against the target as stored
    return plan


def migrate_state(engine: Engine, source: ProcessBundle, target: ProcessBundle, state: Mapping[str, Any],
                  services: Mapping[str, Service] | None = None, *,
                  now: datetime | None = None) -> tuple[MigrationPlan, Snapshot | None]:
    """Move the case; the snapshot (None when it cannot move) is its state on the target version,
    run on to its next wait in case the target version lets it go further at once."""
    plan, workflow = _migrated(source, target, state)
    if workflow is None:
        return plan, None
    restored = load_state(target, dump_state(workflow))
    engine._attach(restored, services, now)
    return plan, engine._advance(restored, finished_ids(restored))
