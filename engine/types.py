"""Plain values that cross the engine boundary: no SpiffWorkflow objects leak out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a process file, as an analyst needs to hear it."""

    file: str
    element_id: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.element_id or '-'}: {self.message}"


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""


class InvalidProcess(EngineError):
    """The files do not make a runnable process; `problems` says why, one per element."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class ScriptError(EngineError):
    """An analyst's script, expression or service call failed while the case ran.

    The case state is left as it was before the step."""

    def __init__(self, element_id: str, message: str):
        self.element_id = element_id
        self.message = message
        super().__init__(f"{element_id}: {message}")


class ServiceInterrupted(Exception):  # noqa: N818 - it says what happened, like StopIteration
    """Raised by a service for a failure outside the case (its database went away): the engine lets it
    through unchanged instead of making it the case's ScriptError, so the caller can retry the step."""


class UnknownTask(EngineError):
    """The task id is not a ready task of this case."""


class NotWaiting(EngineError):
    """A message or signal was sent to a case that waits for no event of that name."""


@dataclass(frozen=True)
class ReadyTask:
    """A user or manual task waiting for a person."""

    id: str
    element_id: str
    name: str
    lane: str | None
    form: str | None
    due: str | None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PendingTimer:
    """A timer event waiting to fire, with the moment it is due (UTC)."""

    task_id: str
    element_id: str
    due_at: datetime


@dataclass(frozen=True)
class StepRecord:
    """One BPMN element that finished during a step: the raw material of the event log."""

    element_id: str
    name: str
    kind: str


@dataclass(frozen=True)
class Waiting:
    """Something besides a person that a case waits for.

    `kind` is 'message', 'signal', 'timer' or 'condition'; `name` is the message or signal name,
    the timer expression or the condition. `correlations`: for a message with BPMN correlation,
    the values it must carry to belong to this case, (key, JSON of {property: value}) pairs."""

    element_id: str
    kind: str
    name: str
    correlations: tuple[tuple[str, str], ...] = ()


@dataclass
class Snapshot:
    """The state of a case after a step, ready to persist."""

    state: dict[str, Any]
    data: dict[str, Any]
    ready_tasks: list[ReadyTask]
    timers: list[PendingTimer]
    completed: bool
    steps: list[StepRecord] = field(default_factory=list)
    # What the case waits on besides people (catch events, event sub-process starts).
    waiting: list[Waiting] = field(default_factory=list)
    # Element ids of the unfinished tasks when the case can neither move nor wait on anything.
    stuck: list[str] = field(default_factory=list)
