"""The citizen's view of a case, found by its tracking token: milestones, expected date, the answer.

The token is the only key, so a wrong or guessed one finds nothing and says nothing (NotFound with
a generic message), and the view holds only what the citizen may see: no staff names, no notes,
no other data of the case.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .attachments import case_attachments
from .errors import NotFound
from .language import title_in
from .models import CSU_KIND, Attachment, Case, Event, Group, SurveyResponse, Task
from .routines import Routine, case_routine
from .texts import Text

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
NOT_FOUND = Text("Page not found.")


@dataclass(frozen=True)
class Milestone:
    """One step the citizen sees: `kind` is received, with_office, waiting_for_you, reply_received,
    answered, duplicate or closed; `text` is the question or the answer where there is one."""

    kind: str
    at: datetime
    office: str | None = None
    text: str | None = None


@dataclass
class TrackingView:
    case: Case
    stage: str  # the latest milestone's kind
    milestones: list[Milestone]
    expected: datetime | None
    answered: bool
    survey: SurveyResponse | None
    attachments: list[Attachment] = field(default_factory=list)


def case_for_token(session: Session, token: str) -> Case:
    """The case with this tracking token; NotFound, saying nothing more, for any other string."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        raise NotFound(NOT_FOUND)
    case = session.scalars(select(Case).where(Case.tracking_token == token)).first()
    # The index finds the row; compare_digest keeps the final check free of timing differences.
    if case is None or not secrets.compare_digest((case.tracking_token or "").encode(), token.encode()):
        raise NotFound(NOT_FOUND)
    return case


def tracking_view(session: Session, token: str) -> TrackingView:
    """Everything the tracking page shows for `token`."""
    case = case_for_token(session, token)
    milestones = case_milestones(session, case)
    answered = any(m.kind == "answered" for m in milestones)
    survey = session.scalars(select(SurveyResponse).where(SurveyResponse.case_id == case.id)).first()
    expected = case.due_at if case.status == "open" and not answered else None
    return TrackingView(case=case, stage=milestones[-1].kind, milestones=milestones, expected=expected,
                        answered=answered, survey=survey, attachments=case_attachments(session, case.id))


def case_milestones(session: Session, case: Case) -> list[Milestone]:
    """The case's history in the citizen's words, oldest first, from its tasks and events."""
    groups = session.execute(select(Group.name, Group.title, Group.kind, Group.titles)).all()
    titles = {name: title_in(title, translated) for name, title, _, translated in groups}
    desks = {name for name, _, kind, _ in groups if kind == CSU_KIND}
    routine = case_routine(case)
    found = [(case.created_at, 0, Milestone("received", case.created_at))]
    tasks = session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.created_at, Task.id))
    office = None
    for n, task in enumerate(tasks, start=1):
        group = task.group_name
        if group is not None and group not in desks and not task.managers_only and group != office:
            office = group
            found.append((task.created_at, n, Milestone("with_office", task.created_at, titles.get(office, office))))
        if task.form_data is not None and task.completed_at is not None:  # submitted, not cancelled
            milestone = _from_completed(task, titles.get(office or "", office), routine)
            if milestone is not None:
                found.append((task.completed_at, n, milestone))
    found.extend((m.at, 10_000, m) for m in _from_events(session, case))
    if case.status == "cancelled" and case.closed_at is not None:
        found.append((case.closed_at, 20_000, Milestone("closed", case.closed_at)))
    return [m for _, _, m in sorted(found, key=lambda item: (item[0], item[1]))]


def _from_completed(task: Task, office: str | None, routine: Routine) -> Milestone | None:
    data: dict[str, Any] = task.form_data or {}
    at = task.completed_at
    assert at is not None
    # Each milestone is what the routine's properties say (docs/routines.md), never a key named here.
    if routine.value(data, routine.first_contact_field) is True:
        return Milestone("answered", at, None, None)
    if routine.is_info_request(task.element_id, data):
        return Milestone("waiting_for_you", at, office, routine.text(data, routine.question_field))
    if routine.is_answer(task.element_id, data):
        return Milestone("answered", at, office, routine.text(data, routine.answer_field))
    if routine.reply_field is not None and routine.reply_field in data:
        return Milestone("reply_received", at, office)
    return None


def _from_events(session: Session, case: Case) -> list[Milestone]:
    """Milestones of a request linked as a duplicate: the link itself and the original's answer."""
    rows = session.scalars(select(Event).where(Event.case_id == case.id,
                                               Event.kind.in_(("linked_as_duplicate", "duplicate_answered")))
                           .order_by(Event.at, Event.id))
    milestones = []
    for event in rows:
        details = event.details or {}
        if event.kind == "linked_as_duplicate":
            milestones.append(Milestone("duplicate", event.at, None, str(details.get("original_ref") or "")))
        else:
            milestones.append(Milestone("answered", event.at, details.get("office_title"),
                                        str(details.get("answer") or "") or None))
    return milestones
