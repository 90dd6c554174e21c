"""Citizen notifications: rendered from templates and queued in the outbox in the same transaction.

The worker sends the outbox over SMTP; nothing here talks to the network.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from string import Formatter
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .language import title_in
from .models import Case, Group, OutboxMessage
from .routines import case_routine
from .runtime import calendar

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "resolved_first_contact": (
            "Your request {case_ref} has been answered",
            "Hello {citizen_name},\n\nThank you for contacting us. Your request {case_ref} was resolved "
            "when you contacted us.\n\n{answer}\n\nTrack it here: {tracking_url}\n",
        ),
        "acknowledgement": (
            "We have received your request {case_ref}",
            "Hello {citizen_name},\n\nWe have received your request {case_ref} and passed it to "
            "{office_title}. You can expect an answer by {due_date}.\n\nFollow it here: {tracking_url}\n",
        ),
        "need_info": (
            "We need more information about your request {case_ref}",
            "Hello {citizen_name},\n\n{office_title} needs more information to handle your request "
            "{case_ref}:\n\n{info_question}\n\nWe will contact you, or reply via {tracking_url}\n",
        ),
        "answer": (
            "Answer to your request {case_ref}",
            "Hello {citizen_name},\n\n{answer}\n\nKind regards,\n{office_title}\n\nCase: {tracking_url}\n",
        ),
        "survey": (
            "How did we do? ({case_ref})",
            "Hello {citizen_name},\n\nPlease tell us how satisfied you are with the handling of your "
            "request {case_ref}. It takes a minute: {survey_url}\n",
        ),
    },
    "sv": {
        "resolved_first_contact": (
            "Ditt ärende {case_ref} är besvarat",
            "Hej {citizen_name},\n\nTack för att du kontaktade oss. Ditt ärende {case_ref} löstes direkt."
            "\n\n{answer}\n\nFölj det här: {tracking_url}\n",
        ),
        "acknowledgement": (
            "Vi har tagit emot ditt ärende {case_ref}",
            "Hej {citizen_name},\n\nVi har tagit emot ditt ärende {case_ref} och lämnat det till "
            "{office_title}. Du kan räkna med svar senast {due_date}.\n\nFölj det här: {tracking_url}\n",
        ),
        "need_info": (
            "Vi behöver mer information om ditt ärende {case_ref}",
            "Hej {citizen_name},\n\n{office_title} behöver mer information om ditt ärende {case_ref}:\n\n"
            "{info_question}\n\nVi kontaktar dig, eller så svarar du på {tracking_url}\n",
        ),
        "answer": (
            "Svar på ditt ärende {case_ref}",
            "Hej {citizen_name},\n\n{answer}\n\nMed vänliga hälsningar,\n{office_title}\n\n{tracking_url}\n",
        ),
        "survey": (
            "Hur tyckte du att vi skötte ditt ärende? ({case_ref})",
            "Hej {citizen_name},\n\nBerätta gärna hur nöjd du är med hanteringen av ditt ärende "
            "{case_ref}. Det tar en minut: {survey_url}\n",
        ),
    },
}


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, language: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) of `template`; unknown placeholders render empty, never crash a case."""
    texts = TEMPLATES.get(language, TEMPLATES["en"])
    if template not in texts:
        raise KeyError(f"unknown notification template '{template}'")
    subject, body = texts[template]
    safe = _Defaulting({k: v for k, v in values.items() if v is not None})
    formatter = Formatter()
    return formatter.vformat(subject, (), safe), formatter.vformat(body, (), safe)


def base_url() -> str:
    return os.environ.get("ONESTOP_BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def tracking_url(case: Case) -> str:
    """The citizen's link to the case's public tracking page (ONESTOP_BASE_URL + /track/<token>)."""
    return f"{base_url()}/track/{case.tracking_token}" if case.tracking_token else base_url()


_GROUP_TITLE = select(Group.title, Group.titles).where(Group.name == bindparam("name"))


def office_title(session: Session, name: object, language: str = "en") -> str:
    """The office's title as citizens know it ("Streets and parks"), in `language`, not its group name."""
    if not name:
        return ""
    row = session.execute(_GROUP_TITLE, {"name": str(name)}).first()
    return title_in(row[0], row[1], language) if row is not None else str(name).replace("_", " ")


def _local_date(value: object) -> str:
    """An ISO moment from case data as the municipality's calendar date (deadlines end at local midnight)."""
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return str(value)[:10]
    if moment is None or moment.tzinfo is None:
        return str(value or "")[:10]
    return calendar().local_date(moment).isoformat()


def queue_notification(
    session: Session, case: Case, template: str, data: Mapping[str, Any], now: datetime,
    *, dedupe_key: str | None = None, titles: Callable[[object, str], str] | None = None,
) -> OutboxMessage | None:
    """Write the citizen's mail for `template` to the outbox; None when there is no address.

    `dedupe_key` (unique in the outbox) defaults to a fresh one: a template may rightly be sent
    twice in one case, e.g. a second request for information. `titles` looks up office titles
    (default: office_title)."""
    routine = case_routine(case)
    address = routine.text(data, routine.citizen_email_field) or case.citizen_email
    if not address:
        return None  # the routine names no e-mail field, or the citizen gave none
    language = str(data.get("language") or "en")
    if language not in TEMPLATES:
        language = "en"
    values = dict(data)
    # The templates' placeholders, filled from the fields the routine names for them (docs/routines.md).
    for placeholder, key in (("citizen_name", routine.citizen_name_field), ("answer", routine.answer_field),
                             ("info_question", routine.question_field)):
        if key:
            values[placeholder] = data.get(key)
    office = routine.value(data, routine.office_field) or case.office
    tracking = tracking_url(case)
    values.update(
        case_ref=case.business_key or f"#{case.id}",
        tracking_url=tracking,
        survey_url=f"{tracking}#survey",
        office_title=(titles or partial(office_title, session))(office, language),
        due_date=_local_date(routine.value(data, routine.due_field)),
    )
    subject, body = render(template, language, values)
    message = OutboxMessage(
        case_id=case.id,
        template=template,
        language=language,
        to_address=str(address),
        subject=subject,
        body=body,
        dedupe_key=dedupe_key or f"{case.id}:{template}:{uuid.uuid4().hex}",
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message
