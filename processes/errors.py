"""Domain errors raised by operations; the web layer and the CLI map them to statuses in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error an operation raises on purpose (as opposed to a bug)."""


class InvalidFormData(DomainError):
    """A form submission broke its form's rules; `errors` maps each field key to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        listed = "; ".join(f"{key}: {message}" for key, message in sorted(self.errors.items()))
        super().__init__(f"invalid form data ({listed})")


class NotFound(DomainError):
    """The thing asked for does not exist (or the actor may not know it does)."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state of the case or task."""


class TaskAlreadyCompleted(Conflict):
    """Somebody completed the task first; their work stands."""

    def __init__(self, task_id: int, by: str, at: str):
        self.task_id, self.by, self.at = task_id, by, at
        super().__init__(f"task {task_id} was already completed by {by} at {at}")


class TaskClaimedByOther(Conflict):
    """The task is claimed by another person."""

    def __init__(self, task_id: int, by: str):
        self.task_id, self.by = task_id, by
        super().__init__(f"task {task_id} is claimed by {by}")


class NotWaitingFor(Conflict):
    """A message or signal was sent to a case that does not wait for it; nothing changed."""

    def __init__(self, case_ref: str, kind: str, name: str, waiting: list[str], reason: str | None = None):
        self.case_ref, self.kind, self.name = case_ref, kind, name
        instead = f" (it waits for {', '.join(waiting)})" if waiting else ""
        if reason:  # it waits for the message, with other correlation values
            super().__init__(f"case {case_ref}: {reason.removeprefix('the case ')}")
        else:
            super().__init__(f"case {case_ref} is not waiting for {kind} '{name}'{instead}")


class NotCorrelated(Conflict):
    """A message sent without a case found no single case or process to take it; nothing changed."""


class CaseStepFailed(DomainError):
    """A script, decision or service in the process failed; the case is left as it was."""

    def __init__(self, element_id: str, message: str):
        self.element_id, self.message = element_id, message
        where = f" at {element_id}" if element_id else ""
        super().__init__(f"the process failed{where}: {message}")


class ProcessNotDeployable(DomainError):
    """The files do not validate; `problems` lists each as 'file:element: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("the process has problems:\n" + "\n".join(problems))
