"""Each BPMN construct runs through OneStop as it runs in bare SpiffWorkflow.

OneStop side: the real operations (deploy_version, start_case, complete_task, send_message /
send_signal, fire_due_timers) on both backends, one transaction per step as the CLI runs them, and
the parsed-spec cache cleared before every step, so each step restores the case from the database
with a freshly parsed spec. Reference side: SpiffWorkflow alone, in memory (bare_spiff.py).

Both are driven by the same choices: complete the first ready task; else deliver the first awaited
message or signal (or fire the timers, in the other order of preference); stop when nothing is left.
After every step they must agree on the ready tasks, what the case waits for, its data and whether
it is done; at the end, on every element completed (the event log against Spiff's task tree), and
a case that can do nothing more without being done is reported stuck.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.delivery import send_message, send_signal
from processes.deployments import deploy_version
from processes.models import Case, Event, Task
from processes.runtime import clear_bundle_cache
from processes.tasks import complete_task
from processes.timers import fire_due_timers
from processes.unit import Database
from tests.conformance.application import ApplicationRun
from tests.conformance.bare_spiff import BareCase
from tests.conformance.harness import BareRun, Scenario
from tests.conformance.scenarios import SCENARIOS
from tests.waiting_cases import APP_BPMN

FAR_FUTURE = datetime(2099, 1, 1, tzinfo=UTC)  # every timer is due by then
START = {"topic": "conformance", "amount": 3}
MAX_STEPS = 40
ORDERS = {"messages_first": ("message", "signal", "timer"), "timers_first": ("timer", "message", "signal")}


def process_files(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(folder.glob("*.bpmn"))}


def process_keys(folder: Path) -> list[str]:
    return [path.stem for path in sorted(folder.glob("*.bpmn"))]


@dataclass(frozen=True)
class Seen:
    """A case as OneStop shows it after a step, read back from the database."""

    ready: list[str]
    waiting: list[tuple[str, str]]
    names: dict[tuple[str, str], str]
    status: str
    stuck: list[str]
    data: dict[str, Any]
    steps: Counter[str]


def observe(session: Session, case_id: int) -> Seen:
    case = session.get(Case, case_id)
    assert case is not None
    tasks = session.scalars(select(Task.element_id).where(Task.case_id == case_id, Task.status == "open"))
    waits = [w for w in case.waiting or [] if w["kind"] in ("message", "signal", "timer")]
    events = session.scalars(select(Event.element_id).where(Event.case_id == case_id,
                                                            Event.kind == "element_completed"))
    return Seen(ready=sorted(tasks), waiting=sorted({(w["kind"], w["element_id"]) for w in waits}),
                names={(w["kind"], w["element_id"]): w["name"] for w in waits}, status=case.status,
                stuck=list(case.stuck or []), data=dict(case.data or {}), steps=Counter(e for e in events if e))


def step(database: Database, work: Any) -> Any:
    """One step as its own transaction, with nothing parsed in memory: the case comes from the database."""
    clear_bundle_cache()
    return database.run(work)


def run_both(database: Database, files: dict[str, str], key: str, order: tuple[str, ...]) -> tuple[Seen, BareCase]:
    step(database, lambda s: deploy_version(s, None, files))
    bare = BareCase(files, key, START)
    case_id = step(database, lambda s: start_case(s, None, key, START).id)
    for number in range(MAX_STEPS):
        seen = step(database, lambda s: observe(s, case_id))
        compare(seen, bare)
        if seen.status == "closed":
            return seen, bare
        if seen.ready:
            element_id = seen.ready[0]
            step(database, lambda s, e=element_id: complete_task(s, None, _open_task(s, case_id, e), {}))
            bare.complete(element_id, {})
            continue
        wait = next((w for kind in order for w in seen.waiting if w[0] == kind), None)
        if wait is None:
            return seen, bare  # nothing left to do: done, or stuck
        if wait[0] == "timer":
            step(database, lambda s: fire_due_timers(s, now=FAR_FUTURE))
            bare.fire_timers()
            continue
        kind, name, payload = wait[0], seen.names[wait], {"step": number}
        send = send_message if kind == "message" else send_signal
        step(database, lambda s, send=send, name=name, payload=payload: send(s, None, case_id, name, payload))
        bare.deliver(kind, name, payload)
    raise AssertionError(f"{key} did not settle in {MAX_STEPS} steps")


def _open_task(session: Session, case_id: int, element_id: str) -> int:
    return session.scalars(select(Task.id).where(Task.case_id == case_id, Task.element_id == element_id,
                                                 Task.status == "open").order_by(Task.id)).first() or 0


def compare(seen: Seen, bare: BareCase) -> None:
    assert seen.ready == [t.task_spec.bpmn_id for t in bare.ready()]
    assert seen.waiting == bare.waiting()
    assert (seen.status == "closed") == bare.workflow.is_completed()
    if seen.ready or seen.status == "closed":
        expected = bare.data()
        expected.pop("data_objects", None)
        assert seen.data == expected


@pytest.mark.parametrize("order", sorted(ORDERS))
@pytest.mark.parametrize("key", process_keys(APP_BPMN))
def test_a_construct_runs_in_onestop_as_in_bare_spiffworkflow(db: Database, key: str, order: str) -> None:
    seen, bare = run_both(db, process_files(APP_BPMN), key, ORDERS[order])
    assert seen.steps == bare.steps(), "the event log has every element Spiff completed, sub-processes included"
    if seen.status == "closed":
        assert seen.stuck == []
    else:  # nothing to do and not done: the case must say where it is stuck
        assert seen.stuck and not seen.ready and not seen.waiting


# Where OneStop differs on purpose, so the scenario cannot run the same through the application.
KNOWN_DIFFERENCES: dict[str, str] = {}


def _scenarios() -> list[Any]:
    return [pytest.param(s, id=s.name, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[s.name])]
                         if s.name in KNOWN_DIFFERENCES else []) for s in SCENARIOS]


@pytest.mark.parametrize("scenario", _scenarios())
def test_a_scenario_runs_through_the_application_as_in_bare_spiffworkflow(db: Database, scenario: Scenario) -> None:
    """The engine conformance scenarios (tests/conformance/scenarios.py), through the real operations."""
    bare = BareRun(scenario).run()
    run = ApplicationRun(scenario, db)
    onestop = run.run()
    assert (onestop.error_at, onestop.error_step) == (bare.error_at, bare.error_step)
    assert onestop.ready == bare.ready
    assert onestop.completed_elements == bare.completed_elements
    assert (onestop.completed, onestop.data) == (bare.completed, bare.data)
    assert run.stuck == scenario.stuck
