"""One citizen, many requests: the CSU sees a contact's other cases and links a repeat as a duplicate.

A duplicate is closed with its open tasks and timers, keeps `duplicate_of` in its data, and follows
its original: when the original is answered, the duplicate's citizen gets the same answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from . import events
from .authz import require
from .db import utcnow
from .errors import CaseNotOpen, Conflict, InvalidFormData, NotFound
from .models import UNFIRED_TIMER_STATES, Case, Event, Task, Timer, User
from .notifications import office_title, queue_notification
from .routines import case_routine
from .texts import Text


def may_see_citizens(actor: User | None) -> bool:
    return actor is None or actor.has_role("admin") or actor.has_role("csu_agent")


def related_cases(session: Session, case: Case, limit: int = 200) -> list[Case]:
    """Every case of the same contact (the same e-mail address, in any letter case), newest first.

    The case itself is included, so the list is the citizen's whole history."""
    email = (case.citizen_email or "").strip().lower()
    if not email:
        return [case]
    query = (select(Case).where(func.lower(Case.citizen_email) == email)
             .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
    return list(session.scalars(query))


def citizen_cases(session: Session, actor: User | None, case_id: int) -> tuple[Case, list[Case]]:
    """The case and all requests from its contact, for the CSU's one-citizen view."""
    require(may_see_citizens(actor), Text("only the CSU and administrators see a citizen's requests"))
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(Text("case %(case_id)s not found", case_id=case_id))
    return case, related_cases(session, case)


def link_duplicate(session: Session, actor: User | None, case_id: int, original_case_id: int, *,
                   now: datetime | None = None) -> Case:
    """Close case `case_id` as a duplicate of `original_case_id`; it then follows the original's answer."""
    require(may_see_citizens(actor), Text("only the CSU and administrators link duplicates"))
    now = now or utcnow()
    duplicate = session.get(Case, case_id, with_for_update=True)
    original = session.get(Case, original_case_id)
    if duplicate is None or original is None:
        raise NotFound(Text("case %(case_id)s not found", case_id=case_id if duplicate is None else original_case_id))
    original = _root(session, original)
    if original.id == duplicate.id:
        raise InvalidFormData({"original_case_id": Text("A case cannot be a duplicate of itself.")})
    if duplicate.status != "open":
        raise CaseNotOpen(duplicate.business_key, duplicate.status)
    if original.status == "cancelled":
        raise Conflict(Text("case %(case)s was cancelled; link to a case that will be answered",
                            case=original.business_key))
    _close_as_duplicate(session, duplicate, original, actor, now)
    if _answer_of(original) is not None:
        _send_answer(session, duplicate, original, now)
    session.flush()
    return duplicate


_DUPLICATES_LINKED = select(Event.details).where(Event.case_id == bindparam("case_id"),
                                                 Event.kind == "duplicate_linked")


def answer_duplicates(session: Session, case: Case, now: datetime) -> int:
    """Give the duplicates of `case` its answer, once each; called when a snapshot is projected."""
    if _answer_of(case) is None:
        return 0
    linked = session.scalars(_DUPLICATES_LINKED, {"case_id": case.id}).all()
    sent = 0
    for details in linked:
        duplicate = session.get(Case, (details or {}).get("duplicate_case_id"))
        if duplicate is not None and _send_answer(session, duplicate, case, now):
            sent += 1
    return sent


def _root(session: Session, case: Case) -> Case:
    """Follow `duplicate_of` links to the case that will really be answered."""
    seen = {case.id}
    while (parent_id := (case.data or {}).get("duplicate_of")) and parent_id not in seen:
        parent = session.get(Case, parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        case = parent
    return case


def _close_as_duplicate(session: Session, duplicate: Case, original: Case, actor: User | None,
                        now: datetime) -> None:
    for task in session.scalars(select(Task).where(Task.case_id == duplicate.id, Task.status == "open")):
        task.status, task.completed_at = "cancelled", now
        events.record(session, "task_cancelled", at=now, case=duplicate, actor=actor, element_id=task.element_id,
                      task_id=task.id, office=task.group_name, reason="duplicate", task_name=task.name)
    for timer in session.scalars(select(Timer).where(Timer.case_id == duplicate.id,
                                                     Timer.state.in_(UNFIRED_TIMER_STATES))):
        timer.state = "cancelled"
    duplicate.data = {**(duplicate.data or {}), "duplicate_of": original.id}
    duplicate.status, duplicate.closed_at = "closed", now
    events.record(session, "linked_as_duplicate", at=now, case=duplicate, actor=actor,
                  original_case_id=original.id, original_ref=original.business_key)
    events.record(session, "duplicate_linked", at=now, case=original, actor=actor,
                  duplicate_case_id=duplicate.id, duplicate_ref=duplicate.business_key)


def _answer_of(case: Case) -> str | None:
    """The answer a case gave its citizen, once it has one (answered_at: see processes.case_facts)."""
    if case.answered_at is not None:
        routine = case_routine(case)
        return routine.text(case.data, routine.answer_field) or ""
    return None


def _send_answer(session: Session, duplicate: Case, original: Case, now: datetime) -> bool:
    """Queue the original's answer for the duplicate's citizen unless already done; True when done now."""
    done = session.scalar(select(Event.id).where(Event.case_id == duplicate.id, Event.kind == "duplicate_answered"))
    if done is not None:
        return False
    answer = _answer_of(original) or ""
    title = office_title(session, original.office)
    data = {**(duplicate.data or {}), **case_routine(duplicate).data_for(answer=answer, office=original.office)}
    message = queue_notification(session, duplicate, "answer", data, now,
                                 dedupe_key=f"{duplicate.id}:answer:duplicate-of:{original.id}")
    events.record(session, "duplicate_answered", at=now, case=duplicate, original_case_id=original.id,
                  answer=answer, office_title=title, queued=message is not None)
    return True
