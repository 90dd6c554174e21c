"""Keep a long-lived case's task tree small without changing what SpiffWorkflow does next.

SpiffWorkflow appends every task it ever ran to one tree: each loop iteration makes the tree
deeper, `get_tasks()` stops looking at depth 1000 (the ready task silently disappears after
~500 iterations) and the serialized state grows with every step. Most of that history is never
read again; OneStop keeps it in its event log instead. What SpiffWorkflow 3.2 does read of
finished tasks, and so what is kept:

- the parent of an unfinished task: it inherits its data from it, and joins look at the state
  and spec of their instances' parents;
- everything below an unfinished task: a waiting event-based gateway or boundary split reads its
  branches, a running loop or multi-instance task its unfinished children and the last one it
  merged (it counts the others in its own internal data);
- every instance of a parallel gateway or end join that is not an ancestor of an unfinished
  task, with its parent: a join counts the tokens of all its instances in the whole tree and
  merges their data (instances that are ancestors are skipped by the join, so they may go);
- for each unfinished parallel gateway, its nearest ancestor of each incoming spec: in a loop
  the gateway walks up from its later instances through its own ancestors to find the tokens
  it still waits for, and stops at the first one of each;
- every inclusive gateway instance that is the first of its spec on its path from the root, with
  its parent: the gateway searches the tree from the root and stops at those, ancestors included;
- for a structured join (the one after a task with boundary events), the path up to its split
  and the split's children, which it reads to see which branch finished;
- each workflow's last task with its parent (a sub-process hands its last task's data back);
- the sub-processes of kept tasks.

Dropped tasks are spliced out: a kept task hangs under its nearest kept ancestor, in the order
it had, so every ancestor relation between kept tasks and the order of the tree are unchanged.
A simple loop keeps a tree of constant size; a loop through a parallel gateway keeps one
instance per branch per round (the joins' history), never deeper than before.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


def compact(workflow: BpmnWorkflow) -> int:
    """Drop the finished history nothing can read any more; return how many tasks were dropped."""
    dropped = _compact_tree(workflow)
    for subprocess in list(workflow.subprocesses.values()):
        dropped += _compact_tree(subprocess)
    # A sub-process whose task is gone is finished history too (nested ones go with it).
    while True:
        present: set[UUID] = set(workflow.tasks)
        for subprocess in workflow.subprocesses.values():
            present.update(subprocess.tasks)
        orphans = [task_id for task_id in workflow.subprocesses if task_id not in present]
        if not orphans:
            return dropped
        for task_id in orphans:
            dropped += len(workflow.subprocesses.pop(task_id).tasks)


def _preorder(root: Task) -> list[Task]:
    """The tree in SpiffWorkflow's depth-first order, without recursion (old trees can be deep)."""
    order: list[Task] = []
    stack = [root]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(reversed(task.children))
    return order


def _kept(workflow: Any, order: list[Task]) -> set[UUID]:
    live_below: set[UUID] = set()  # tasks with an unfinished task somewhere below them
    for task in reversed(order):
        if task.parent is not None and (task.id in live_below or not task.has_state(TaskState.FINISHED_MASK)):
            live_below.add(task.parent.id)

    keep: set[UUID] = {workflow.task_tree.id}
    with_parent: list[Task] = []
    under_live: set[UUID] = set()
    for task in order:
        finished = task.has_state(TaskState.FINISHED_MASK)
        parent = task.parent
        spec = task.task_spec
        if not finished or (parent is not None and parent.id in under_live and not _merged_instance(parent, task)):
            under_live.add(task.id)
            with_parent.append(task)
        elif isinstance(spec, InclusiveGateway):
            if _first_on_its_path(task):
                with_parent.append(task)
        elif isinstance(spec, (UnstructuredJoin, _EndJoin)) and task.id not in live_below:
            with_parent.append(task)
    if workflow.last_task is not None and workflow.last_task.id in workflow.tasks:
        with_parent.append(workflow.last_task)

    for task in order:
        if isinstance(task.task_spec, ParallelGateway) and not task.has_state(TaskState.FINISHED_MASK):
            keep.update(_nearest_inputs(task))
    for task in with_parent:
        keep.add(task.id)
        if task.parent is not None:
            keep.add(task.parent.id)
    for task in list(with_parent):
        spec = task.task_spec
        if isinstance(spec, Join) and not isinstance(spec, UnstructuredJoin) and spec.split_task:
            split = task.find_ancestor(spec.split_task)
            if split is None:
                continue
            step = task.parent
            while step is not None and step is not split:
                keep.add(step.id)
                step = step.parent
            keep.add(split.id)
            keep.update(child.id for child in split.children)
    return keep


def _first_on_its_path(task: Task) -> bool:
    """No ancestor is of the same spec: an inclusive gateway searches the tree from its root and stops
    at its first instance on each path, so it sees these instances and no others."""
    ancestor = task.parent
    while ancestor is not None:
        if ancestor.task_spec is task.task_spec:
            return False
        ancestor = ancestor.parent
    return True


def _merged_instance(parent: Task, task: Task) -> bool:
    """A completed iteration of a running loop or multi-instance task, already merged and not the last.

    The loop counts its iterations in its own internal data and reads back only the last merged
    child (a completion condition); a parallel multi-instance task asks whether all remaining
    children completed, which dropping completed ones does not change."""
    if not isinstance(parent.task_spec, LoopTask) or task.state != TaskState.COMPLETED:
        return False
    merged = parent.internal_data.get("merged") or []
    return str(task.id) in merged and str(task.id) != merged[-1]


def _nearest_inputs(join: Task) -> set[UUID]:
    """For each incoming spec of a waiting parallel gateway, its nearest ancestor of that spec.

    In a loop the gateway walks up from its later instances until it meets a task of a spec it
    still waits for, through its own ancestors if need be: the first such ancestor of each spec."""
    wanted = set(join.task_spec.inputs)
    found: set[UUID] = set()
    ancestor = join.parent
    while ancestor is not None and wanted:
        if ancestor.task_spec in wanted:
            wanted.discard(ancestor.task_spec)
            found.add(ancestor.id)
        ancestor = ancestor.parent
    return found


def _compact_tree(workflow: Any) -> int:
    root = workflow.task_tree
    order = _preorder(root)
    keep = _kept(workflow, order)
    if len(keep) == len(workflow.tasks):
        return 0
    # Splice: each kept task goes under its nearest kept ancestor, in depth-first order.
    children: dict[UUID, list[UUID]] = {task_id: [] for task_id in keep}
    stack: list[tuple[Task, UUID | None]] = [(root, None)]
    while stack:
        task, anchor = stack.pop()
        if task.id in keep:
            if anchor is not None:
                children[anchor].append(task.id)
                task._parent = anchor
            anchor = task.id
        stack.extend((child, anchor) for child in reversed(task.children))
    for task_id, kids in children.items():
        workflow.tasks[task_id]._children = kids
    dropped = len(workflow.tasks) - len(keep)
    workflow.tasks = {task_id: task for task_id, task in workflow.tasks.items() if task_id in keep}
    return dropped
