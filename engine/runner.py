"""Run cases: start, complete a task, fire timers, deliver messages and signals. State in, Snapshot out."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .bundle import ProcessBundle
from .compaction import compact
from .correlation import encode, properties_of, values_in
from .events import deliver, message_definitions, start_messages, waiting_for
from .sandbox import RestrictedEnvironment, check_syntax
from .snapshot import case_data, finished_ids, pending_timers, steps_since, stuck_elements
from .state import dump_state, load_state, wire_specs
from .timers import clock
from .types import (
    EngineError,
    NotWaiting,
    ReadyTask,
    ScriptError,
    ServiceInterrupted,
    Snapshot,
    StepRecord,
    UnknownTask,
)


@dataclass(frozen=True)
class ServiceCall:
    """What a service function receives: its evaluated parameters and the task's data."""

    name: str
    element_id: str
    params: dict[str, Any]
    data: dict[str, Any]


Service = Callable[[ServiceCall], Any]


class _ServiceFailed(Exception):
    pass


class _ScriptEngine(PythonScriptEngine):
    """Spiff's engine with the sandbox, and service calls that keep their real message.

    `now` is the moment of the step: the timer events (engine.timers) read their clock here."""

    def __init__(self, environment: RestrictedEnvironment, services: Mapping[str, Service], now: datetime):
        super().__init__(environment=environment)
        self.services = services
        self.now = now

    def validate(self, expression: str) -> None:
        """Spiff re-parses conditions on every evaluation; the sandbox's compile cache answers instead."""
        error = check_syntax(expression, "eval")
        if error is not None:
            raise SyntaxError(error)

    def call_service(self, task: Task, **kwargs: Any) -> str:
        name = kwargs["operation_name"]
        service = self.services.get(name)
        if service is None:
            raise _ServiceFailed(f"unknown service '{name}'")
        params = {key: spec["value"] for key, spec in kwargs.get("operation_params", {}).items()}
        call = ServiceCall(name, task.task_spec.bpmn_id or "", params, task.data)
        try:
            return json.dumps(service(call), default=str)
        except ServiceInterrupted:
            raise
        except Exception as err:  # noqa: BLE001 - any other failure of a service becomes the case's error
            raise _ServiceFailed(f"service '{name}' failed: {err}") from err


def _misplaced_spec(err: BaseException) -> TaskSpec | None:
    """Some SpiffWorkflow errors are raised as WorkflowException(task_spec, message), arguments swapped."""
    return err.args[0] if len(err.args) > 1 and isinstance(err.args[0], TaskSpec) else None


def _failing_element(err: BaseException) -> str:
    """The element of the innermost SpiffWorkflow frame that was working on a task (`my_task`)."""
    element = ""
    trace = err.__traceback__
    while trace is not None:
        task = trace.tb_frame.f_locals.get("my_task")
        if isinstance(task, Task):
            element = task.task_spec.bpmn_id or task.task_spec.name
        trace = trace.tb_next
    return element


def _element_id(err: BaseException) -> str:
    task = getattr(err, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(err, "task_spec", None) or _misplaced_spec(err)
    return getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or ""


def _message(err: BaseException) -> str:
    original = getattr(err, "exception", None) or err.__cause__
    if isinstance(original, _ServiceFailed):
        return str(original)
    if _misplaced_spec(err) is not None:
        return str(err.args[1])
    base = err.args[0] if err.args else str(err)
    if original is not None and str(original) not in str(base):
        return f"{base}: {type(original).__name__}: {original}"
    return str(base)


class Engine:
    """Steps cases of parsed bundles. Thread-safe: no per-case state lives here."""

    def __init__(self, helpers: Mapping[str, Callable[..., Any]] | None = None, time_limit: float = 1.0,
                 **limits: int):
        """`limits`: the sandbox's memory_limit and data_limit in bytes (see RestrictedEnvironment)."""
        self.helpers = dict(helpers or {})
        self.time_limit = time_limit
        self.limits = limits

    def _attach(self, workflow: BpmnWorkflow, services: Mapping[str, Service] | None,
                now: datetime | None = None) -> None:
        environment = RestrictedEnvironment(helpers=self.helpers, time_limit=self.time_limit, **self.limits)
        workflow.script_engine = _ScriptEngine(environment, services or {}, clock(now))

    def start(
        self, bundle: ProcessBundle, data: Mapping[str, Any], services: Mapping[str, Service] | None = None,
        *, now: datetime | None = None,
    ) -> Snapshot:
        """A new case with `data` as its start data, run until it waits for a person or a timer.

        `now` (default: the wall clock) is the moment of the step, for every step method: timers
        are due from it and fire by themselves only when due at it."""
        wire_specs(bundle)
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs)
        self._attach(workflow, services, now)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        return self._advance(workflow, finished_before=set())

    def complete_task(
        self,
        bundle: ProcessBundle,
        state: dict[str, Any],
        task_id: str,
        data: Mapping[str, Any],
        services: Mapping[str, Service] | None = None,
        *,
        now: datetime | None = None,
    ) -> Snapshot:
        """Complete ready task `task_id` with the submitted `data`."""
        workflow = self._restore(bundle, state, services, now)
        task = self._ready_task(workflow, task_id)
        before = finished_ids(workflow)
        task.data.update(data)
        self._guard(task.run)
        return self._advance(workflow, before)

    def fire_timers(
        self,
        bundle: ProcessBundle,
        state: dict[str, Any],
        task_ids: Iterable[str],
        services: Mapping[str, Service] | None = None,
        *,
        now: datetime | None = None,
    ) -> Snapshot:
        """Fire the waiting timer events `task_ids` now, whatever their due date says."""
        workflow = self._restore(bundle, state, services, now)
        wanted = set(task_ids)
        before = finished_ids(workflow)
        for task in workflow.get_tasks(state=TaskState.WAITING):
            if str(task.id) in wanted:
                task._set_internal_data(event_fired=True)
        return self._advance(workflow, before)

    def send_message(
        self,
        bundle: ProcessBundle,
        state: dict[str, Any],
        name: str,
        payload: Mapping[str, Any],
        services: Mapping[str, Service] | None = None,
        *,
        now: datetime | None = None,
    ) -> Snapshot:
        """Deliver BPMN message `name` with `payload` to the catch event, receive task or event
        sub-process start that waits for it; NotWaiting when nothing in the case does."""
        return self._deliver(bundle, state, "message", name, payload, services, now)

    def send_signal(
        self,
        bundle: ProcessBundle,
        state: dict[str, Any],
        name: str,
        payload: Mapping[str, Any],
        services: Mapping[str, Service] | None = None,
        *,
        now: datetime | None = None,
    ) -> Snapshot:
        """Deliver BPMN signal `name` with `payload` to whatever in the case catches it; NotWaiting
        when nothing does."""
        return self._deliver(bundle, state, "signal", name, payload, services, now)

    def _deliver(
        self, bundle: ProcessBundle, state: dict[str, Any], kind: str, name: str, payload: Mapping[str, Any],
        services: Mapping[str, Service] | None, now: datetime | None,
    ) -> Snapshot:
        workflow = self._restore(bundle, state, services, now)
        before = finished_ids(workflow)
        self._guard(lambda: deliver(workflow, kind, name, payload))
        return self._advance(workflow, before)

    def start_by_message(
        self, bundle: ProcessBundle, name: str, payload: Mapping[str, Any],
        services: Mapping[str, Service] | None = None, *, now: datetime | None = None,
    ) -> Snapshot:
        """A new case started by its message start event `name`, which catches `payload`, run until
        it waits; NotWaiting when the process does not start with that message."""
        if name not in start_messages(bundle):
            raise NotWaiting(f"process '{bundle.key}' does not start with message '{name}'")
        wire_specs(bundle)
        workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs)
        self._attach(workflow, services, now)
        self._guard(workflow.do_engine_steps)  # up to the start events, which now wait for their message
        self._guard(lambda: deliver(workflow, "message", name, payload))
        return self._advance(workflow, finished_before=set())

    def message_correlations(self, bundle: ProcessBundle, name: str,
                             payload: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """The correlation values message `name` of `bundle` carries with `payload`, in the form of
        Waiting.correlations: () when the process gives that message no correlation or the payload
        lacks its fields."""
        environment = RestrictedEnvironment(helpers=self.helpers, time_limit=self.time_limit, **self.limits)
        found: set[tuple[str, str]] = set()
        for definition in message_definitions(bundle, name):
            found.update(encode(values_in(environment, properties_of(definition), payload)))
        return tuple(sorted(found))

    def snapshot(self, bundle: ProcessBundle, state: dict[str, Any]) -> Snapshot:
        """Read a stored case without stepping it."""
        workflow = self._restore(bundle, state, None)
        return self._snapshot(workflow, [])

    def _restore(
        self, bundle: ProcessBundle, state: dict[str, Any], services: Mapping[str, Service] | None,
        now: datetime | None = None,
    ) -> BpmnWorkflow:
        workflow = load_state(bundle, state)
        self._attach(workflow, services, now)
        return workflow

    @staticmethod
    def _ready_task(workflow: BpmnWorkflow, task_id: str) -> Task:
        """The ready manual task `task_id`, looked up by its id instead of walking the task tree."""
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except (ValueError, TaskNotFoundException):
            task = None
        if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise UnknownTask(f"task {task_id} is not ready in this case")
        return task

    @staticmethod
    def _guard(step: Callable[[], Any]) -> None:
        try:
            step()
        except SpiffWorkflowException as err:
            raise ScriptError(_element_id(err), _message(err)) from err
        except _ServiceFailed as err:
            raise ScriptError("", str(err)) from err
        except (EngineError, ServiceInterrupted):
            raise
        except Exception as err:  # noqa: BLE001 - SpiffWorkflow fails on some bad data with a bare TypeError
            # (a multi-instance input that is None): still the case's error, named by the task it hit.
            raise ScriptError(_failing_element(err), f"{type(err).__name__}: {err}") from err

    def _advance(self, workflow: BpmnWorkflow, finished_before: set[Any]) -> Snapshot:
        self._guard(workflow.do_engine_steps)
        self._guard(workflow.refresh_timers)
        self._guard(workflow.do_engine_steps)
        steps = steps_since(workflow, finished_before)
        compact(workflow)
        return self._snapshot(workflow, steps)

    def _snapshot(self, workflow: BpmnWorkflow, steps: list[StepRecord]) -> Snapshot:
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        data = case_data(workflow, ready)
        waiting = waiting_for(workflow, data)
        return Snapshot(
            state=dump_state(workflow),
            data=data,
            ready_tasks=[self._describe(workflow, t) for t in ready],
            timers=pending_timers(workflow),
            completed=workflow.is_completed(),
            steps=steps,
            waiting=waiting,
            stuck=stuck_elements(workflow, ready, waiting),
        )

    def _describe(self, workflow: BpmnWorkflow, task: Task) -> ReadyTask:
        spec = task.task_spec
        props = dict(getattr(spec, "extensions", {}).get("properties", {}))
        due = None
        if props.get("due"):
            try:
                value = workflow.script_engine.evaluate(task, props["due"])
            except SpiffWorkflowException as err:
                raise ScriptError(spec.bpmn_id or "", f"due date expression: {_message(err)}") from err
            due = str(value) if value else None
        return ReadyTask(
            id=str(task.id),
            element_id=spec.bpmn_id or spec.name,
            name=spec.bpmn_name or spec.bpmn_id or spec.name,
            lane=spec.lane,
            form=props.get("form"),
            due=due,
            properties=props,
        )
