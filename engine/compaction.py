"""Keep a long-lived case's task tree small.

SpiffWorkflow appends every task it ever ran to one tree: each loop iteration makes the tree
deeper, `get_tasks()` stops looking at depth 1000 (the ready task silently disappears after
~500 iterations) and the serialized state grows with every step. A waiting case only needs
its unfinished tasks and, for each of them, the finished task it came from: gateways, joins
and boundary events look one level up (`task.parent`) and at their own subtree, never
further back. Everything else is history, which OneStop keeps in its event log instead.
"""

from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


def compact(workflow: BpmnWorkflow) -> int:
    """Drop finished history from the top-level task tree; return how many tasks were dropped.

    Kept: the root, every unfinished task, the parent of each unfinished task, and finished
    end joins with their parents (the end join merges their data when the case ends).
    Kept tasks whose parent is dropped are re-attached to the root, so the tree stays shallow.
    """
    if workflow.subprocesses:
        # Subprocess bookkeeping is keyed by task id; we leave such cases alone.
        return 0
    root = workflow.task_tree
    keep: set[UUID] = {root.id}
    for task in workflow.tasks.values():
        if not task.has_state(TaskState.FINISHED_MASK) or isinstance(task.task_spec, _EndJoin):
            keep.add(task.id)
            if task.parent is not None:
                keep.add(task.parent.id)
    if len(keep) == len(workflow.tasks):
        return 0

    reattached: list[Task] = []
    for task_id in keep:
        task = workflow.tasks[task_id]
        if task is root:
            continue
        parent = task.parent
        if parent is None or parent.id not in keep:
            reattached.append(task)
        task._children = [child for child in task._children if child in keep]

    for task in reattached:
        task._parent = root.id
    root._children = [child for child in root._children if child in keep]
    root._children.extend(t.id for t in reattached if t.id not in root._children)

    dropped = len(workflow.tasks) - len(keep)
    workflow.tasks = {task_id: task for task_id, task in workflow.tasks.items() if task_id in keep}
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = None
    return dropped
