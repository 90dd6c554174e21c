"""Test runs of a draft: the engine runs in memory with scripted task outcomes; no case is written.

Services are stubbed: `notify_citizen` only records what would be sent, `compute_due_date`
computes the real working-day deadline. Each submitted outcome is checked against the draft's
form, as a real submission would be, so a new required field shows up in the test run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import InvalidProcess, ScriptError, Service, ServiceCall, Snapshot, XmlRejected, load_bundle, parse_xml

from .db import utcnow
from .drafts import get_draft
from .errors import InvalidFormData
from .forms import validate_submission
from .json_values import check_case_data, parse_client_json
from .lanes import NO_RULES, LaneRule, resolve_lane, stored_lane_rules
from .models import User
from .routines import Routine, routine_of
from .runtime import calendar, engine
from .texts import Text

MAX_STEPS = 100


@dataclass
class SimTask:
    """A user task the run created, with the outcome the scenario gave it (None: still waiting)."""

    element_id: str
    name: str
    lane: str | None
    group: str | None
    form: str | None
    data: dict[str, Any] | None = None


@dataclass
class SimulationResult:
    path: list[str] = field(default_factory=list)  # elements completed, in order
    tasks: list[SimTask] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    completed: bool = False
    stopped: str | None = None  # why the run stopped before the end, for the analyst

    @property
    def ok(self) -> bool:
        return self.stopped is None or self.stopped.startswith("waits at")


@dataclass
class _Run:
    result: SimulationResult
    now: datetime
    email_field: str | None = None  # the routine's citizen_email_field

    def services(self) -> dict[str, Service]:
        def notify_citizen(call: ServiceCall) -> dict[str, Any]:
            template = str(call.params.get("template", ""))
            self.result.notifications.append({"element_id": call.element_id, "template": template,
                                              "to": Routine.value(call.data, self.email_field)})
            return {"queued": True, "template": template, "simulated": True}

        def compute_due_date(call: ServiceCall) -> str:
            return calendar().working_days_after(self.now, int(call.params.get("days", 0))).isoformat()

        return {"notify_citizen": notify_citizen, "compute_due_date": compute_due_date}


def simulate(files: Mapping[str, str], key: str, start_data: Mapping[str, Any], steps: list[Mapping[str, Any]], *,
             rules: Mapping[str, LaneRule] = NO_RULES, now: datetime | None = None) -> SimulationResult:
    """Run process `key` of `files` with `start_data`, completing tasks as `steps` say.

    A step is {"task": element id, "data": {...}}, or {"timers": true} to fire the waiting timers.
    `rules` are the stored lane mappings; they override the lanes' own groups in the files."""
    run = _Run(SimulationResult(), now or utcnow())
    try:
        bundle = load_bundle(files, key)
        routine = routine_of(bundle)
        run.email_field = routine.citizen_email_field
        rules = {**routine.lanes, **rules}
        snapshot = engine().start(bundle, start_data, run.services(), now=run.now)
        snapshot = _apply(run, bundle, snapshot, steps, rules)
    except InvalidProcess as err:
        run.result.stopped = "the draft has problems: " + "; ".join(str(p) for p in err.problems)
    except ScriptError as err:
        run.result.stopped = f"the process failed at {err.element_id or 'a step'}: {err.message}"
    return run.result


def _observe(run: _Run, snapshot: Snapshot, rules: Mapping[str, LaneRule]) -> None:
    result = run.result
    result.path += [s.element_id for s in snapshot.steps]
    result.data, result.completed = snapshot.data, snapshot.completed
    result.waiting = [t.element_id for t in snapshot.ready_tasks]
    known = {t.element_id for t in result.tasks if t.data is None}
    for ready in snapshot.ready_tasks:
        if ready.element_id not in known:
            group, _managers = resolve_lane(ready.lane, snapshot.data, rules)
            result.tasks.append(SimTask(ready.element_id, ready.name, ready.lane, group, ready.form))


def _apply(run: _Run, bundle: Any, snapshot: Snapshot, steps: list[Mapping[str, Any]],
           rules: Mapping[str, LaneRule]) -> Snapshot:
    _observe(run, snapshot, rules)
    for number, step in enumerate(steps[:MAX_STEPS], start=1):
        if snapshot.completed:
            run.result.stopped = f"the case ended before step {number}"
            return snapshot
        if step.get("timers"):
            snapshot = engine().fire_timers(bundle, snapshot.state, [t.task_id for t in snapshot.timers],
                                            run.services(), now=run.now)
            _observe(run, snapshot, rules)
            continue
        element_id, data = str(step.get("task", "")), dict(step.get("data") or {})
        ready = next((t for t in snapshot.ready_tasks if t.element_id == element_id), None)
        if ready is None:
            waits = ", ".join(run.result.waiting) or "nothing"
            run.result.stopped = f"step {number} is for '{element_id}', but the case waits at {waits}"
            return snapshot
        form = bundle.form(ready.form)
        try:
            clean = validate_submission(form, data, current=snapshot.data) if form is not None else data
        except InvalidFormData as err:
            problems = "; ".join(f"{k}: {m}" for k, m in sorted(err.errors.items()))
            run.result.stopped = f"step {number} ({element_id}): the form refuses the outcome: {problems}"
            return snapshot
        task = next(t for t in reversed(run.result.tasks) if t.element_id == element_id and t.data is None)
        task.data = clean
        snapshot = engine().complete_task(bundle, snapshot.state, ready.id, clean, run.services(), now=run.now)
        _observe(run, snapshot, rules)
    if not snapshot.completed:
        run.result.stopped = f"waits at {', '.join(run.result.waiting) or 'a timer'} (no more steps)"
    return snapshot


def parse_scenario(name: str, start_data: str, steps: str) -> dict[str, Any]:
    """A scenario from the test-run form: JSON for the start data and the list of steps."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {"name": name.strip()[:100] or "Scenario"}
    for label, raw, kind in (("start_data", start_data, dict), ("steps", steps, list)):
        try:
            value = parse_client_json(raw or ("{}" if kind is dict else "[]"), label)
            check_case_data(value, label)  # the scenario's data becomes case data in the run, and is kept
        except InvalidFormData as err:
            errors.update(err.errors)
            continue
        if not isinstance(value, kind):
            errors[label] = Text("must be a JSON object") if kind is dict else Text("must be a JSON list of steps")
        parsed[label] = value
    if "steps" not in errors and any(not isinstance(s, dict) for s in parsed.get("steps", [])):
        errors["steps"] = Text('each step is an object: {"task": "<element id>", "data": {...}} or {"timers": true}')
    if errors:
        raise InvalidFormData(errors)
    return parsed


def example_steps(xml: str | None) -> list[dict[str, Any]]:
    """A scenario for the help text: complete the first user task of the diagram, then fire the timers."""
    first = None
    if xml:
        try:
            root = parse_xml(xml)
        except XmlRejected:
            root = None
        if root is not None:
            first = next((t.get("id") for t in root.iter("{*}userTask") if t.get("id")), None)
    return [{"task": first or "task_id", "data": {}}, {"timers": True}]


def run_scenario(session: Session, actor: User | None, key: str, scenario: Mapping[str, Any]) -> SimulationResult:
    """Test-run the draft of `key` with a scenario; the lanes resolve as they would today."""
    draft = get_draft(session, actor, key)
    return simulate(draft.files, key, scenario.get("start_data") or {}, list(scenario.get("steps") or []),
                    rules=stored_lane_rules(session))


def save_scenario(session: Session, actor: User | None, key: str, scenario: Mapping[str, Any]) -> None:
    """Keep the scenario with the draft (replacing one of the same name)."""
    draft = get_draft(session, actor, key)
    kept = [s for s in draft.scenarios or [] if s.get("name") != scenario["name"]]
    draft.scenarios = [*kept, dict(scenario)]
    session.flush()


def delete_scenario(session: Session, actor: User | None, key: str, name: str) -> None:
    draft = get_draft(session, actor, key)
    draft.scenarios = [s for s in draft.scenarios or [] if s.get("name") != name]
    session.flush()
