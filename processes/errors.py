"""Domain errors raised by operations; the web layer and the CLI map them to statuses in one place.

Every message is a `processes.texts.Text`: English for the CLI, the logs and the API, and in the
reader's language on the pages. The errors below that word their own message build it as one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .texts import Text, joined


class DomainError(Exception):
    """Base of every error an operation raises on purpose (as opposed to a bug)."""


class InvalidFormData(DomainError):
    """A form submission broke its form's rules; `errors` maps each field key to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        listed = joined("; ", [Text("%(key)s: %(message)s", key=key, message=message)
                               for key, message in sorted(self.errors.items())])
        super().__init__(Text("invalid form data (%(errors)s)", errors=listed))


class NotFound(DomainError):
    """The thing asked for does not exist (or the actor may not know it does)."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state of the case or task."""


class CaseNotOpen(Conflict):
    """The case is closed or cancelled already, so it cannot be closed again."""

    def __init__(self, case_ref: object, status: str):
        self.case_ref, self.status = case_ref, status
        if status == "closed":
            message = Text("case %(case)s is already closed", case=case_ref)
        elif status == "cancelled":
            message = Text("case %(case)s is already cancelled", case=case_ref)
        else:
            message = Text("case %(case)s is already %(status)s", case=case_ref, status=status)
        super().__init__(message)


class TaskAlreadyCompleted(Conflict):
    """Somebody completed the task first; their work stands."""

    def __init__(self, task_id: int, by: str, at: str):
        self.task_id, self.by, self.at = task_id, by, at
        super().__init__(Text("task %(task_id)s was already completed by %(by)s at %(at)s",
                              task_id=task_id, by=by, at=at))


class TaskClaimedByOther(Conflict):
    """The task is claimed by another person."""

    def __init__(self, task_id: int, by: str):
        self.task_id, self.by = task_id, by
        super().__init__(Text("task %(task_id)s is claimed by %(by)s", task_id=task_id, by=by))


class NotWaitingFor(Conflict):
    """A message or signal was sent to a case that does not wait for it; nothing changed."""

    def __init__(self, case_ref: str, kind: str, name: str, waiting: Sequence[str], reason: str | None = None):
        self.case_ref, self.kind, self.name = case_ref, kind, name
        if reason:  # it waits for the message, with other correlation values (the engine's words)
            message = Text("case %(case)s: %(reason)s", case=case_ref, reason=reason.removeprefix("the case "))
        elif kind == "message" and waiting:
            message = Text("case %(case)s is not waiting for message '%(name)s' (it waits for %(waiting)s)",
                           case=case_ref, name=name, waiting=joined(", ", waiting))
        elif kind == "message":
            message = Text("case %(case)s is not waiting for message '%(name)s'", case=case_ref, name=name)
        elif kind == "signal" and waiting:
            message = Text("case %(case)s is not waiting for signal '%(name)s' (it waits for %(waiting)s)",
                           case=case_ref, name=name, waiting=joined(", ", waiting))
        elif kind == "signal":
            message = Text("case %(case)s is not waiting for signal '%(name)s'", case=case_ref, name=name)
        elif waiting:
            message = Text("case %(case)s is not waiting for %(kind)s '%(name)s' (it waits for %(waiting)s)",
                           case=case_ref, kind=kind, name=name, waiting=joined(", ", waiting))
        else:
            message = Text("case %(case)s is not waiting for %(kind)s '%(name)s'", case=case_ref, kind=kind, name=name)
        super().__init__(message)


class NotCorrelated(Conflict):
    """A message sent without a case found no single case or process to take it; nothing changed."""


class CaseStepFailed(DomainError):
    """A script, decision or service in the process failed; the case is left as it was."""

    def __init__(self, element_id: str, message: str):
        self.element_id, self.message = element_id, message
        if element_id:
            text = Text("the process failed at %(element)s: %(message)s", element=element_id, message=message)
        else:
            text = Text("the process failed: %(message)s", message=message)
        super().__init__(text)


class ProcessNotDeployable(DomainError):
    """The files do not validate; `problems` lists each as 'file:element: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(Text("the process has problems:\n%(problems)s", problems="\n".join(problems)))
