"""Finding cases: by citizen, reference, description text, office and state, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from .case_access import visible_cases
from .errors import InvalidFormData
from .language import title_in
from .models import CASE_STATUSES, OFFICE_KIND, Case, Group, User
from .routines import current_versions, version_routine
from .texts import Text

MAX_LIMIT = 200
_CASE_NUMBER = re.compile(r"#?(\d{1,9})")


@dataclass(frozen=True)
class CasePage:
    """One page of results; `next_after` is the `after` of the next page, None on the last."""

    cases: list[Case]
    next_after: int | None


def group_titles(session: Session) -> dict[str, str]:
    """Every group's title by name, for showing `streets_parks` as "Streets and parks"."""
    return {name: title_in(title, titles) for name, title, titles in
            session.execute(select(Group.name, Group.title, Group.titles))}


def office_choices(session: Session) -> list[tuple[str, str]]:
    """The offices a case can be routed to, as (name, title), by title."""
    rows = session.execute(select(Group.name, Group.title, Group.titles).where(Group.kind == OFFICE_KIND))
    return sorted(((name, title_in(title, titles)) for name, title, titles in rows), key=lambda c: c[1])


def search_cases(
    session: Session,
    actor: User | None,
    *,
    text: str = "",
    office: str = "",
    status: str = "",
    limit: int = 50,
    after: int | None = None,
) -> CasePage:
    """Cases `actor` may see that match every filter given; InvalidFormData names an unknown filter value."""
    _check_filters(session, office, status)
    query = select(Case).where(visible_cases(session, actor))
    text = text.strip()
    if text:
        query = query.where(_matches(text, _description_fields(session)))
    if office:
        query = query.where(Case.office == office)
    if status:
        query = query.where(Case.status == status)
    if after is not None:
        query = query.where(Case.id < after)
    limit = max(1, min(limit, MAX_LIMIT))
    rows = list(session.scalars(query.order_by(Case.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(rows, rows[-1].id if more and rows else None)


def _check_filters(session: Session, office: str, status: str) -> None:
    errors = {}
    if status and status not in CASE_STATUSES:
        errors["status"] = Text("unknown state '%(status)s': use one of %(statuses)s",
                                status=status, statuses=', '.join(CASE_STATUSES))
    if office and office not in {name for name, _ in office_choices(session)}:
        errors["office"] = Text("unknown office '%(office)s'", office=office)
    if errors:
        raise InvalidFormData(errors)


def _description_fields(session: Session) -> dict[str, str]:
    """Process key -> the field its current version names `description_field` (docs/routines.md)."""
    found = {}
    for version in current_versions(session):
        field = version_routine(version).description_field
        if field:
            found[version.key] = field
    return found


def _matches(text: str, descriptions: dict[str, str]) -> ColumnElement[bool]:
    """Citizen name or e-mail, reference (whole or part) or description contains `text`; or the case id.
    `descriptions`: the description field by process key."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conditions = [
        Case.citizen_name.ilike(pattern, escape="\\"),
        Case.citizen_email.ilike(pattern, escape="\\"),
        Case.business_key.ilike(pattern, escape="\\"),
        *(and_(Case.process_key == key, Case.data[field].as_string().ilike(pattern, escape="\\"))
          for key, field in descriptions.items()),
    ]
    number = _CASE_NUMBER.fullmatch(text)
    if number:
        conditions.append(Case.id == int(number.group(1)))
    return or_(*conditions)
