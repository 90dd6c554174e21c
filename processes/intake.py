"""CSU intake: register a citizen's request in one step, a case started and its intake task done.

The intake page is a plain HTML form for speed, but it is checked against the intake task's
form-js definition of the current version, like every other task: one definition, one set of
rules. The data is validated before the case starts, so a rejected intake leaves no case behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .authz import require
from .cases import get_case
from .db import utcnow
from .errors import InvalidFormData, NotFound
from .forms import validate_submission
from .handover import intake_version, start_with_intake
from .knowledge import get_article, mark_helpful
from .models import Article, Case, User
from .routines import Routine, version_routine
from .runtime import bundle_for
from .task_page import NextStep, group_titles, next_step
from .texts import Text


def require_agent(actor: User | None) -> None:
    require(actor is None or actor.has_role("csu_agent") or actor.has_role("admin"),
            Text("only CSU agents register requests"))


def intake_form(session: Session, key: str | None = None) -> dict[str, Any]:
    """The form of the intake task (role intake) in the current version of process `key`, by default
    of the process that takes citizens' requests."""
    version = intake_version(session, key)
    bundle = bundle_for(version)
    element = version_routine(version).intake_element
    form = bundle.form(bundle.element_properties.get(element or "", {}).get("form"))
    if form is None:
        raise NotFound(Text("the current '%(key)s' process has no intake task with a form", key=version.key))
    return form


@dataclass(frozen=True)
class Registered:
    """A registered request: its case, the article that helped (if any), and where it went."""

    case: Case
    article: Article | None
    next: NextStep


def intake_routine(session: Session) -> Routine:
    """The routine properties of the process that takes citizens' requests (its intake page's fields)."""
    return version_routine(intake_version(session))


def article_key(routine: Routine) -> str:
    """The key under which a bad choice of knowledge-base article is reported: the routine's
    `kb_article_field`, or `article_id` when it keeps no article."""
    return routine.kb_article_field or "article_id"


def register_request(session: Session, actor: User | None, data: Mapping[str, Any], *,
                     article_id: int | None = None, now: datetime | None = None) -> Registered:
    """Start a case from the intake data and complete its intake task, in the caller's transaction.

    `article_id` is the knowledge-base article the agent used; its title is kept in the routine's
    `kb_article_field`, and when the request was resolved on first contact (its `first_contact_field`)
    the article counts as having helped."""
    require_agent(actor)
    now = now or utcnow()
    routine = intake_routine(session)
    article = _article(session, article_id, routine)
    values = {k: v for k, v in data.items() if k != routine.kb_article_field}
    if article is not None and routine.kb_article_field:
        values[routine.kb_article_field] = article.title
    clean = validate_submission(intake_form(session), values)
    channel = routine.channel_field
    start_data = {channel: clean[channel]} if channel and isinstance(clean.get(channel), str) else {}
    case = start_with_intake(session, actor, start_data, clean, now=now)
    if article is not None and routine.value(clean, routine.first_contact_field) is True:
        mark_helpful(session, actor, article.id, case, now=now)
    return Registered(case=case, article=article, next=next_step(session, case, set(), now))


def _article(session: Session, article_id: int | None, routine: Routine) -> Article | None:
    if article_id is None:
        return None
    try:
        article = get_article(session, article_id)
    except NotFound:
        article = None
    if article is None or article.retired_at is not None:  # retired since the agent's page was loaded
        raise InvalidFormData({article_key(routine): Text("Choose an article from the search results.")})
    return article


@dataclass(frozen=True)
class Receipt:
    """The confirmation the agent reads back to the citizen."""

    case: Case
    resolved: bool
    office_title: str | None
    due_at: datetime | None


def intake_receipt(session: Session, actor: User | None, case_id: int) -> Receipt:
    """Reference, office and reply deadline of a registered request, or that it was resolved."""
    require_agent(actor)
    case = get_case(session, case_id)
    resolved = case.resolved_on_first_contact and case.status == "closed"  # the routine's first_contact_field
    title = group_titles(session).get(case.office or "", case.office) if not resolved else None
    return Receipt(case=case, resolved=resolved, office_title=title, due_at=None if resolved else case.due_at)
