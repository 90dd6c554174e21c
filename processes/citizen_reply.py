"""The citizen answers the office's question on the tracking page: a text and, if they like, a photo.

The routine marks the task that waits for the citizen with the property `role` = `citizen_reply` (the
modeler's OneStop group); the citizen's text goes into the routine's `reply_field` when that task's form
has it, else into the form's first text area. The
reply completes the task as the system, so the case goes back to the office at once. Until then the
CSU can record an answer given on the phone by completing the task itself: whoever is first
completes it, and the other is told (the page no longer asks, the CSU's form says it is done).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import ROLE_CITIZEN_REPLY

from . import events
from .attachments import Upload, add_photo, photo_problem
from .db import utcnow
from .errors import Conflict, InvalidFormData
from .forms import form_fields
from .models import Case, Task
from .routines import case_routine
from .runtime import bundle_for
from .tasks import complete_task, task_form
from .texts import Text
from .tracking import case_for_token

MAX_REPLY = 4000


@dataclass(frozen=True)
class AwaitedReply:
    """The open task that waits for the citizen, and the form field their text goes into."""

    task: Task
    field: str


def awaited_reply(session: Session, case: Case) -> AwaitedReply | None:
    """What the case waits for from its citizen, or None when it waits for nothing from them."""
    if case.status != "open":
        return None
    elements = bundle_for(case.version).elements_with("role", ROLE_CITIZEN_REPLY)
    if not elements:
        return None
    tasks = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open",
                                               Task.element_id.in_(elements)).order_by(Task.id))
    named = case_routine(case).reply_field  # the routine's reply field, else the form's first text area
    for task in tasks:
        form = task_form(session, task)
        areas = [f.key for f in form_fields(form) if f.type == "textarea"] if form else []
        field = named if named in areas else next(iter(areas), None)
        if field is not None:
            return AwaitedReply(task, field)
    return None


def submit_citizen_reply(session: Session, token: str, text: str, photo: Upload | None = None, *,
                         now: datetime | None = None) -> Case:
    """Record the citizen's reply from the tracking page and send the case back on its way.

    NotFound for a wrong token; Conflict when the case no longer waits for a reply (the CSU recorded
    one first, or the case moved on); InvalidFormData for an empty or too long text or a bad photo."""
    now = now or utcnow()
    case = case_for_token(session, token)
    awaited = awaited_reply(session, case)
    if awaited is None:
        raise Conflict(Text("Your request is not waiting for a reply from you: we already have what we need."))
    reply = text.strip()
    errors: dict[str, str] = {}
    if not reply:
        errors["reply"] = Text("Write your reply.")
    elif len(reply) > MAX_REPLY:
        errors["reply"] = Text("At most %(n)s characters, please.", n=MAX_REPLY)
    if photo is not None and (problem := photo_problem(photo)):
        errors["photo"] = problem
    if errors:
        raise InvalidFormData(errors)
    attachment = add_photo(session, case, photo, now) if photo is not None else None
    events.record(session, "citizen_replied", at=now, case=case, element_id=awaited.task.element_id,
                  task_id=awaited.task.id, attachment_id=attachment.id if attachment is not None else None)
    complete_task(session, None, awaited.task.id, {awaited.field: reply}, now=now)
    return case
