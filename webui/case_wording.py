"""Human wording for case pages: event sentences, states and channels, in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from processes.models import Event, Task

STATUS_LABELS = {"open": lazy_pgettext("case state", "Open"), "closed": lazy_pgettext("case state", "Closed"),
                 "cancelled": lazy_pgettext("case state", "Cancelled")}
CHANNEL_LABELS = {"phone": _l("Phone"), "walk_in": _l("Walk-in"), "email": _l("E-mail"), "web": _l("Web"),
                  "app": _l("App")}
NOTIFICATION_LABELS = {
    "acknowledgement": _l("acknowledgement with tracking link"),
    "resolved_first_contact": _l("answer given on first contact"),
    "answer": _l("answer"),
    "survey": _l("satisfaction survey"),
    "need_info": _l("request for more information"),
}


def humanize(value: Any) -> str:
    """`building_permit` -> `Building permit`: for values the process defines and we have no label for."""
    text = str(value if value is not None else "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, humanize(status)))


def channel_label(channel: str | None) -> str:
    return str(CHANNEL_LABELS.get(channel or "", humanize(channel)))


def describe_event(event: Event, tasks: Mapping[int, Task], groups: Mapping[str, str]) -> str:
    """One sentence for a timeline entry; the actor and the time are shown beside it."""
    from .wording import element_name  # wording builds on humanize, defined here

    details = event.details or {}
    task = tasks.get(event.task_id) if event.task_id is not None else None
    # the name the task had then (renaming it later does not rewrite history), in the reader's language
    stored = str(details.get("task_name") or (task.name if task is not None else (event.element_id or "")))
    words = {
        "task": element_name(task.process_key if task is not None else None, event.element_id, stored),
        "office": groups.get(event.office or "", event.office or ""),
        "source": groups.get(str(details.get("from", "")), str(details.get("from", ""))),
    }
    sentence = _SENTENCES.get(event.kind)
    if sentence is None:
        return humanize(event.kind)
    return sentence(event, details, words)


def _notification(details: Mapping[str, Any]) -> str:
    template = str(details.get("template", ""))
    return str(NOTIFICATION_LABELS.get(template, humanize(template)))


_SENTENCES: dict[str, Any] = {
    "case_started": lambda e, d, w: _("Case started on process version %(version)s.", version=d.get("version", "?")),
    "task_created": lambda e, d, w: _("Task “%(task)s” offered to %(office)s.", task=w["task"], office=w["office"]),
    "task_claimed": lambda e, d, w: _("Task “%(task)s” claimed.", task=w["task"]),
    "task_unclaimed": lambda e, d, w: _("Task “%(task)s” given back to %(office)s.", **w),
    "task_assigned": lambda e, d, w: _("Task “%(task)s” assigned to %(assignee)s.", task=w["task"],
                                       assignee=d.get("assignee", "?")),
    "task_completed": lambda e, d, w: _("Task “%(task)s” completed.", task=w["task"]),
    "task_cancelled": lambda e, d, w: _("Task “%(task)s” cancelled: the case moved on.", task=w["task"]),
    "handed_over": lambda e, d, w: _("Handed over from %(source)s to %(office)s.", **w),
    "returned_to_csu": lambda e, d, w: _("Returned from %(source)s to %(office)s.", **w),
    "rerouted": lambda e, d, w: _("Rerouted from %(source)s to %(office)s (wrong office).", **w),
    "escalated": lambda e, d, w: _("Deadline passed: escalated to the managers of %(office)s.", **w),
    "notification_queued": lambda e, d, w: _("Message to the citizen queued: %(what)s.", what=_notification(d)),
    "case_closed": lambda e, d, w: _("Case closed."),
    "case_cancelled": lambda e, d, w: _("Case cancelled: %(reason)s", reason=d.get("reason", "")),
    "timer_failed": lambda e, d, w: _("Timer “%(task)s” did not fire: the process failed at %(where)s (%(message)s). "
                                      "It waits until an administrator retries it.", task=w["task"],
                                      where=d.get("failed_at") or "?", message=d.get("message", "")),
    "timer_retried": lambda e, d, w: _("Timer “%(task)s” set to fire again.", task=w["task"]),
    "message_received": lambda e, d, w: _("Message “%(name)s” received.", name=d.get("name", "")),
    "signal_received": lambda e, d, w: _("Signal “%(name)s” received.", name=d.get("name", "")),
    "signal_failed": lambda e, d, w: _("Signal “%(name)s” was not taken: the process failed at %(where)s "
                                       "(%(message)s).", name=d.get("name", ""), where=d.get("failed_at") or "?",
                                       message=d.get("message", "")),
    "survey_answered": lambda e, d, w: _("Survey answered: %(score)s out of 5.", score=d.get("score", "?")),
    "case_migrated": lambda e, d, w: _("Case moved from process version %(old)s to version %(new)s.",
                                       old=d.get("from_version", "?"), new=d.get("to_version", "?")),
    "attachment_added": lambda e, d, w: _("Photo attached: %(name)s.", name=d.get("filename", "")),
    "citizen_replied": lambda e, d, w: _("The citizen replied on the tracking page."),
    "linked_as_duplicate": lambda e, d, w: _("Linked as a duplicate of %(ref)s.", ref=d.get("original_ref", "")),
    "duplicate_linked": lambda e, d, w: _("Request %(ref)s linked to this one as a duplicate.",
                                          ref=d.get("duplicate_ref", "")),
    "duplicate_answered": lambda e, d, w: _("Answered with the answer of the original request."),
    "notification_sent": lambda e, d, w: _("Message to the citizen sent: %(what)s.", what=_notification(d)),
    "notification_failed": lambda e, d, w: _("Message to the citizen not sent yet: %(what)s.", what=_notification(d)),
    "notification_retried": lambda e, d, w: _("Message to the citizen to be sent again: %(what)s.",
                                              what=_notification(d)),
}
