"""A case that loops for a long time keeps working, and its state and step cost stay flat.

Bare SpiffWorkflow cannot be the reference here: after ~500 iterations its `get_tasks()` no
longer reaches the ready task (depth 1000). The first 50 iterations are compared with it in
test_conformance (scenario loop_50)."""

from __future__ import annotations

import json
import time
from typing import Any

from engine import Engine, load_bundle

from .harness import BPMN_DIR

ITERATIONS = 600


def test_a_two_element_loop_runs_600_rounds_with_flat_state_and_step_cost() -> None:
    bundle = load_bundle({"long_loop.bpmn": (BPMN_DIR / "long_loop.bpmn").read_text()})
    engine = Engine()
    snap = engine.start(bundle, {"limit": ITERATIONS})
    sizes: list[int] = []
    costs: list[float] = []
    for n in range(1, ITERATIONS + 1):
        state = json.loads(json.dumps(snap.state))
        sizes.append(len(json.dumps(state)))
        began = time.perf_counter()
        snap = engine.complete_task(bundle, state, snap.ready_tasks[0].id, {"n": n})
        costs.append(time.perf_counter() - began)
        assert snap.completed or [t.element_id for t in snap.ready_tasks] == ["step"], n
    assert snap.completed and snap.data["n"] == ITERATIONS
    assert max(sizes[-50:]) <= max(sizes[5:55]) * 1.05
    early, late = sorted(costs[5:105])[50], sorted(costs[-100:])[50]
    assert late < early * 2 + 0.002, (early, late)


def _rounds(name: str, start: dict[str, Any], element: str, rounds: int) -> list[int]:
    """Complete `element` `rounds` times (state through JSON each step); the stored tasks before each."""
    bundle = load_bundle({f"{name}.bpmn": (BPMN_DIR / f"{name}.bpmn").read_text()}, key=name)
    engine = Engine()
    snap = engine.start(bundle, start)
    sizes = []
    for n in range(1, rounds + 1):
        state = json.loads(json.dumps(snap.state))
        sizes.append(len(state["tasks"]) + sum(len(sp["tasks"]) for sp in state["subprocesses"].values()))
        task = next(t for t in snap.ready_tasks if t.element_id == element)
        snap = engine.complete_task(bundle, state, task.id, {"n": n, "more": n < rounds, "verdict": True})
    assert snap.completed, snap.stuck
    return sizes


# SpiffWorkflow's own bookkeeping still grows in these: a loop lists the ids of the iterations it
# merged (internal data), a multi-instance task its output collection. The task tree does not.
def test_a_standard_loop_of_300_iterations_keeps_a_flat_task_tree() -> None:
    tasks = _rounds("long_standard_loop", {}, "entry", 300)
    assert max(tasks[5:]) == max(tasks[5:25])


def test_a_sequential_multi_instance_of_300_keeps_a_flat_task_tree() -> None:
    tasks = _rounds("mi_sequential_cardinality", {"reviewers": 300}, "review", 300)
    assert max(tasks[5:]) == max(tasks[5:25])


def test_a_loop_through_a_subprocess_of_200_rounds_keeps_a_flat_task_tree() -> None:
    tasks = _rounds("loop_subprocess", {"limit": 200}, "work", 200)
    assert max(tasks[5:]) == max(tasks[5:25])


def test_a_loop_through_a_parallel_gateway_keeps_a_shallow_tree() -> None:
    name = "parallel_loop.bpmn"
    bundle = load_bundle({name: (BPMN_DIR / name).read_text()})
    engine = Engine()
    snap = engine.start(bundle, {})
    for _ in range(40):
        for branch in ("branch_1", "branch_2", "branch_3"):
            task = next(t for t in snap.ready_tasks if t.element_id == branch)
            snap = engine.complete_task(bundle, json.loads(json.dumps(snap.state)), task.id, {})
        review = next(t for t in snap.ready_tasks if t.element_id == "review")
        snap = engine.complete_task(bundle, snap.state, review.id, {"redo": True})
    tasks = snap.state["tasks"]
    depth = 0
    for task_id in tasks:
        level, parent = 0, tasks[task_id]["parent"]
        while parent is not None:
            level, parent = level + 1, tasks[parent]["parent"]
        depth = max(depth, level)
    assert depth < 20
