"""A case that loops for a long time keeps working, and its state and step cost stay flat.

Bare SpiffWorkflow cannot be the reference here: after ~500 iterations its `get_tasks()` no
longer reaches the ready task (depth 1000). The first 50 iterations are compared with it in
test_conformance (scenario loop_50)."""

from __future__ import annotations

import json
import time

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
