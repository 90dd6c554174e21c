"""One or more scenarios per BPMN construct: which tasks to complete with what data, which
messages, signals and timers to deliver, in what order."""

from __future__ import annotations

from typing import Any

from .harness import Scenario, Step


def _parallel(n: int, order: list[int]) -> Scenario:
    steps: list[Step] = [("complete", f"branch_{i}", {f"b{i}": i}) for i in order]
    return Scenario(f"parallel_{n}_{''.join(map(str, order))}", [f"parallel_{n}.bpmn"], f"parallel_{n}", steps)


def _parallel_loop(process: str) -> Scenario:
    steps: list[Step] = [
        ("complete", "branch_1", {"round1": 1}), ("complete", "branch_2", {}), ("complete", "branch_3", {}),
        ("complete", "review", {"redo": True}),
        ("complete", "branch_3", {"round2": 3}), ("complete", "branch_1", {}), ("complete", "branch_2", {}),
        ("complete", "review", {"redo": False}),
    ]
    return Scenario(process, [f"{process}.bpmn"], process, steps)


def _mi(mode: str, source: str, order: list[int]) -> Scenario:
    """`order`: which of the ready instances to complete at each step (parallel ones in any order)."""
    process = f"mi_{mode}_{source}"
    if source == "cardinality":
        start: dict[str, Any] = {"reviewers": 3}
        steps: list[Step] = [("complete", "review", {"verdict": i != 1}, index) for i, index in enumerate(order)]
    else:
        start = {"documents": ["a", "b", "c"]}
        steps = [("complete", "check", {"result": f"ok {i}"}, index) for i, index in enumerate(order)]
    return Scenario(process, [f"{process}.bpmn"], process, steps, start=start)


SCENARIOS: list[Scenario] = [
    Scenario("exclusive_a", ["exclusive.bpmn"], "exclusive", [("complete", "decide", {"choice": "a"})]),
    Scenario("exclusive_default", ["exclusive.bpmn"], "exclusive", [("complete", "decide", {"choice": "z"})]),
    *[_parallel(n, list(range(1, n + 1))) for n in (2, 3, 4, 5)],
    *[_parallel(n, list(range(n, 0, -1))) for n in (3, 5)],
    _parallel(5, [2, 5, 1, 4, 3]),
    _parallel_loop("parallel_loop"),
    _parallel_loop("parallel_loop_direct"),
    Scenario("inclusive_two", ["inclusive.bpmn"], "inclusive",
             [("complete", "pick", {"wanted": ["x", "y"]}), ("complete", "do_y", {"y": 1}),
              ("complete", "do_x", {"x": 1})]),
    Scenario("inclusive_loop", ["inclusive_loop.bpmn"], "inclusive_loop",
             [("complete", "pick", {"wanted": ["x", "y"], "redo": True}), ("complete", "do_y", {}),
              ("complete", "do_x", {}), ("complete", "pick", {"wanted": ["x"], "redo": False}),
              ("complete", "do_x", {})]),
    Scenario("inclusive_default", ["inclusive.bpmn"], "inclusive", [("complete", "pick", {"wanted": []})]),
    Scenario("event_gateway_message", ["event_gateway.bpmn"], "event_gateway",
             [("message", "reply", {"text": "yes"})]),
    Scenario("event_gateway_timer", ["event_gateway.bpmn"], "event_gateway", [("timer", "wait")]),
    Scenario("standard_loop", ["standard_loop.bpmn"], "standard_loop",
             [("complete", "entry", {"more": True, "entries": [1]}),
              ("complete", "entry", {"more": True, "entries": [1, 2]}),
              ("complete", "entry", {"more": False, "entries": [1, 2, 3]})]),
    _mi("sequential", "cardinality", [0, 0, 0]),
    _mi("parallel", "cardinality", [2, 0, 0]),
    _mi("sequential", "collection", [0, 0, 0]),
    _mi("parallel", "collection", [1, 1, 0]),
    Scenario("mi_sequential_missing_input", ["mi_sequential_collection.bpmn"], "mi_sequential_collection",
             error_at="check"),
    Scenario("mi_parallel_missing_input", ["mi_parallel_collection.bpmn"], "mi_parallel_collection",
             error_at="check"),
    Scenario("mi_sequential_missing_output", ["mi_sequential_collection.bpmn"], "mi_sequential_collection",
             [("complete", "check", {"result": "ok"}), ("complete", "check", {})],
             start={"documents": ["a", "b"]}, error_at="check"),
    Scenario("mi_parallel_missing_output", ["mi_parallel_collection.bpmn"], "mi_parallel_collection",
             [("complete", "check", {"result": "ok"}), ("complete", "check", {})],
             start={"documents": ["a", "b"]}, error_at="check"),
    Scenario("subprocess", ["subprocess.bpmn"], "subprocess",
             [("complete", "intake", {"size": 2}), ("complete", "inner_task", {"extra": 1})]),
    Scenario("call_activity", ["call_activity.bpmn"], "call_activity",
             [("complete", "intake", {"question": 4}), ("complete", "called_task", {"seen": True})]),
    Scenario("event_subprocess_signal", ["event_subprocess_signal.bpmn"], "event_subprocess_signal",
             [("signal", "alarm", {}), ("complete", "work", {"done": True})], start={"divisor": 2}),
    Scenario("event_subprocess_signal_fails", ["event_subprocess_signal.bpmn"], "event_subprocess_signal",
             [("signal", "alarm", {})], start={"divisor": 0}, error_at="handle"),
    Scenario("event_subprocess_message", ["event_subprocess_message.bpmn"], "event_subprocess_message",
             # SpiffWorkflow 3.2 runs an interrupting event sub-process without cancelling the main flow.
             [("message", "cancel", {"why": "moved"}), ("complete", "handle", {"handled": True}),
              ("complete", "work", {"done": True})]),
    Scenario("event_subprocess_timer", ["event_subprocess_timer.bpmn"], "event_subprocess_timer",
             [("timer", "handler_start"), ("complete", "handle", {"handled": True}),
              ("complete", "work", {"done": True})]),
    Scenario("boundary_timer_interrupting", ["boundary_timer_interrupting.bpmn"], "boundary_timer_interrupting",
             [("timer", "late"), ("complete", "remind", {"reminded": True})]),
    Scenario("boundary_timer_not_fired", ["boundary_timer_interrupting.bpmn"], "boundary_timer_interrupting",
             [("complete", "work", {"done": True})]),
    Scenario("boundary_timer_noninterrupting", ["boundary_timer_noninterrupting.bpmn"],
             "boundary_timer_noninterrupting",
             [("timer", "late"), ("complete", "remind", {"reminded": True}), ("complete", "work", {"done": True})]),
    Scenario("boundary_timer_in_a_loop", ["boundary_timer_loop.bpmn"], "boundary_timer_loop",
             [("timer", "late"), ("complete", "work", {"redo": True}), ("complete", "remind", {}),
              ("timer", "late"), ("complete", "remind", {}), ("complete", "work", {"redo": True}),
              ("complete", "work", {"redo": False})]),
    Scenario("parallel_in_subprocess", ["parallel_in_subprocess.bpmn"], "parallel_in_subprocess",
             [("complete", "branch_2", {"b2": 2}), ("complete", "branch_3", {"b3": 3}),
              ("complete", "branch_1", {"b1": 1})]),
    Scenario("boundary_timer_on_subprocess", ["boundary_timer_subprocess.bpmn"], "boundary_timer_subprocess",
             [("complete", "first_look", {"a": 1}), ("timer", "too_slow"), ("complete", "chase", {"chased": True})]),
    Scenario("boundary_timer_on_subprocess_not_fired", ["boundary_timer_subprocess.bpmn"],
             "boundary_timer_subprocess",
             [("complete", "first_look", {"a": 1}), ("complete", "second_look", {"b": 2})]),
    Scenario("mi_parallel_subprocess", ["mi_subprocess.bpmn"], "mi_subprocess",
             [("complete", "handle_item", {"note": "two"}, 1), ("complete", "handle_item", {"note": "one"}),
              ("complete", "handle_item", {"note": "three"})], start={"items": ["a", "b", "c"]}),
    Scenario("deadlock", ["deadlock.bpmn"], "deadlock", start={"meet": False}, stuck=["join"]),
    Scenario("message_correlation", ["message_correlation.bpmn"], "message_correlation",
             [("correlate", "decision", {"application_id": "A-17", "outcome": "granted"})],
             start={"application_id": "A-17"}),
    Scenario("message_start", ["message_start.bpmn"], "message_start",
             [("correlate", "ruling", {"application_id": "A-9", "outcome": "refused"})],
             start={"application_id": "A-9", "kind": "permit"}, start_message="application_received"),
    Scenario("message_throw_catch", ["message_throw_catch.bpmn"], "message_throw_catch",
             [("complete", "speak", {"said": "hi"}), ("message", "outside", {"n": 1})]),
    Scenario("signal_throw_catch", ["signal_throw_catch.bpmn"], "signal_throw_catch",
             [("complete", "speak", {"said": "hi"}), ("signal", "outside_go", {})]),
    Scenario("escalation", ["error_escalation.bpmn"], "error_escalation",
             [("complete", "assess", {"slow": True, "ok": True}), ("complete", "notify", {"told": True})]),
    Scenario("error_boundary", ["error_escalation.bpmn"], "error_escalation",
             [("complete", "assess", {"slow": False, "ok": False}), ("complete", "fix", {"fixed": True})]),
    Scenario("script", ["script.bpmn"], "script", start={"size": 3}),
    Scenario("script_fails", ["script.bpmn"], "script", start={"size": 0}, error_at="fail_or_not"),
    Scenario("dmn", ["dmn.bpmn", "dmn.dmn"], "dmn", start={"topic": "permit"}),
    Scenario("dmn_default", ["dmn.bpmn", "dmn.dmn"], "dmn", start={"topic": "dog"}),
    Scenario("manual_task", ["manual_task.bpmn"], "manual_task", [("complete", "sign", {"signed": True})]),
    Scenario("loop_50", ["long_loop.bpmn"], "long_loop",
             [("complete", "step", {"n": i}) for i in range(1, 51)], start={"limit": 50}),
    Scenario("loop_through_subprocess", ["loop_subprocess.bpmn"], "loop_subprocess",
             [("complete", "work", {"n": i}) for i in range(1, 4)], start={"limit": 3}),
    Scenario("data_objects", ["data_objects.bpmn"], "data_objects", [("complete", "read", {"paid": 5})],
             start={"amount": 10}),
]
