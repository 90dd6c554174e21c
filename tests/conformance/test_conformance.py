"""Each BPMN construct runs the same with bare SpiffWorkflow in memory and through OneStop,
where every step is taken by a fresh engine on a freshly parsed bundle (as the CLI does)."""

from __future__ import annotations

import pytest

from engine import validate

from .harness import BPMN_DIR, BareRun, OneStopRun, Scenario
from .scenarios import SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
@pytest.mark.parametrize("cached", [False, True], ids=["fresh", "cached"])
def test_onestop_runs_like_bare_spiffworkflow(scenario: Scenario, cached: bool) -> None:
    bare = BareRun(scenario).run()
    run = OneStopRun(scenario, cached=cached)
    onestop = run.run()
    assert (onestop.error_at, onestop.error_step) == (bare.error_at, bare.error_step)
    assert onestop.error_at == scenario.error_at
    assert onestop.ready == bare.ready
    assert onestop.completed_elements == bare.completed_elements
    assert onestop.completed == bare.completed
    assert onestop.data == bare.data
    if scenario.error_at is None and not scenario.stuck:
        assert onestop.completed, f"scenario should run to the end; stuck at {run.snapshots[-1].stuck}"
    for snap in run.snapshots[:-1]:
        assert not snap.stuck
    if run.snapshots:
        assert run.snapshots[-1].stuck == scenario.stuck
    for err in run.errors:
        assert err.message and " object at 0x" not in err.message


def test_an_event_subprocess_started_by_an_error_is_refused_before_deploy() -> None:
    """SpiffWorkflow 3.2 parses an error start event as a none start event (its StartEventParser
    knows message, signal, timer and condition only): bare, the handler starts with every case and
    the error end event reaches no handler. OneStop refuses the file instead of running it so."""
    scenario = Scenario("event_subprocess_error", ["event_subprocess_error.bpmn"], "event_subprocess_error",
                        [("complete", "work", {"refused": True})])
    bare = BareRun(scenario).run()
    assert bare.ready[0] == ["handle", "work"] and not bare.completed
    source = (BPMN_DIR / "event_subprocess_error.bpmn").read_text()
    problems = validate({"event_subprocess_error.bpmn": source})
    assert [(p.element_id, "not supported" in p.message) for p in problems] == [("handler_start", True)]
