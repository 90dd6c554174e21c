"""What a dashboard or an export is about: a period, an office, a category, a channel; and who may
see which offices' figures.

The period is a range of local calendar dates (the municipality's time zone), both ends included,
and selects the requests *received* in it (cases by `created_at`). The office filter selects rows
about that office: a case's current office for case-level figures, the event's office for hand-over
and back-office figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from .authz import group_roles
from .errors import InvalidFormData, NotFound, PermissionDenied
from .language import reading_language, title_in
from .models import OFFICE_KIND, Case, Group, ProcessFile, Task, User
from .routines import current_versions, version_routine
from .runtime import calendar
from .service_catalog import list_services
from .texts import Text
from .translations import option_labels

DEFAULT_DAYS = 90
MAX_DAYS = 5 * 366
Choice = tuple[str, str]  # (value, label)
Row = TypeVarTuple("Row")


@dataclass(frozen=True)
class Filters:
    """`start`/`end` are local dates, both included; None means open-ended (exports only)."""

    start: date | None = None
    end: date | None = None
    office: str | None = None
    category: str | None = None
    channel: str | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC moments [from, until)."""
        zone = calendar().zone
        lo = datetime.combine(self.start, time(), zone).astimezone(UTC) if self.start else None
        hi = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(UTC) if self.end else None
        return lo, hi

    def query_args(self) -> dict[str, str]:
        """The filters as URL arguments, for links that keep them (exports, heatmap)."""
        args = {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None,
                "office": self.office, "category": self.category, "channel": self.channel}
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class Choices:
    """The values each filter accepts, with their labels."""

    offices: list[Choice]
    categories: list[Choice]
    channels: list[Choice]


def visible_offices(session: Session, actor: User | None) -> list[str] | None:
    """The offices whose figures `actor` may see; None means all (analysts, admins, the system).

    Managers see the offices they manage; everybody else is refused."""
    if actor is None or actor.has_role("admin") or actor.has_role("analyst"):
        return None
    if actor.has_role("manager"):
        return sorted(name for name, manager in group_roles(session, actor).items() if manager)
    raise PermissionDenied(Text("the dashboard is for managers, analysts and administrators"))


def scoped(filters: Filters, offices: list[str] | None) -> list[str] | None:
    """The offices a query covers: the chosen one (if visible) or all visible ones (None: all)."""
    if filters.office is None:
        return offices
    if offices is not None and filters.office not in offices:
        raise PermissionDenied(Text("you may only see the figures of your own offices (%(offices)s)",
                                    offices=", ".join(offices)) if offices else
                               Text("you may only see the figures of your own offices (none)"))
    return [filters.office]


def filter_choices(session: Session, offices: list[str] | None) -> Choices:
    """Offices (only the visible ones), and the categories and channels of the intake form."""
    query = select(Group.name, Group.title, Group.titles).where(Group.kind == OFFICE_KIND)
    if offices is not None:
        query = query.where(Group.name.in_(offices))
    return Choices(
        offices=sorted(((name, title_in(title, titles)) for name, title, titles in session.execute(query)),
                       key=lambda choice: choice[1]),
        categories=_categories(session),
        channels=channel_options(session),
    )


def _categories(session: Session) -> list[Choice]:
    """The request types: the options of the category field of the citizen channel's intake form."""
    try:
        return [(service.code, service.name) for service in list_services(session)]
    except NotFound:
        return []


def channel_options(session: Session) -> list[Choice]:
    """The channels requests come in by: the options of the field each deployed process names its
    `channel_field` (docs/routines.md), newest deployment first, each value once."""
    found: dict[str, str] = {}
    versions = sorted(current_versions(session), key=lambda v: (v.deployed_at is not None, v.deployed_at, v.id),
                      reverse=True)
    for version in versions:
        field = version_routine(version).channel_field
        if field is None:
            continue
        forms = session.scalars(select(ProcessFile.content).where(ProcessFile.version_id == version.id,
                                                                  ProcessFile.kind == "form"))
        for value, label in _field_options(forms, field):
            found.setdefault(value, label)
    return list(found.items())


def _field_options(forms: Iterable[str], field: str) -> list[Choice]:
    """The options of form field `field`, in the reader's language, in the first of `forms` that has it."""
    for content in forms:
        try:
            labels = option_labels(json.loads(content), field, reading_language())
        except (ValueError, AttributeError):
            continue
        if labels:
            return list(labels.items())
    return []


UNKNOWN = {  # a whole sentence per filter, for the translators
    "office": lambda value: Text("unknown office '%(value)s'", value=value),
    "category": lambda value: Text("unknown category '%(value)s'", value=value),
    "channel": lambda value: Text("unknown channel '%(value)s'", value=value),
}


def parse_filters(args: Mapping[str, str], choices: Choices, *, today: date) -> Filters:
    """Filters from URL arguments (`from`, `to`, `office`, `category`, `channel`).

    Defaults to the last 90 days. Raises InvalidFormData naming each bad argument."""
    errors: dict[str, str] = {}
    end = _date(args.get("to"), "to", errors) or today
    start = _date(args.get("from"), "from", errors) or end - timedelta(days=DEFAULT_DAYS)
    if "from" not in errors and "to" not in errors:
        if start > end:
            errors["from"] = Text("the period starts (%(start)s) after it ends (%(end)s)", start=start, end=end)
        elif (end - start).days > MAX_DAYS:
            errors["from"] = Text("the period is longer than five years; choose a shorter one")
    picked: dict[str, str | None] = {}
    for name, options in (("office", choices.offices), ("category", choices.categories),
                          ("channel", choices.channels)):
        value = (args.get(name) or "").strip() or None
        if value is not None and value not in {v for v, _ in options}:
            errors[name] = UNKNOWN[name](value[:60])
        picked[name] = value
    if errors:
        raise InvalidFormData(errors)
    return Filters(start=start, end=end, **picked)


def _date(raw: str | None, name: str, errors: dict[str, str]) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = Text("'%(value)s' is not a date (use YYYY-MM-DD)", value=raw[:40])
        return None


def of_requests_received(query: Select[*Row], filters: Filters) -> Select[*Row]:
    """`query` on Task narrowed to the tasks of the requests the filters select (without an office).

    The period reads the task's copy of its case's receipt time, so no join is needed for it; the
    category and channel are the case's own, read with a join when they are chosen."""
    lo, hi = filters.bounds()
    if lo is not None:
        query = query.where(Task.received_at >= lo)
    if hi is not None:
        query = query.where(Task.received_at < hi)
    if filters.category or filters.channel:
        query = query.join(Case, Case.id == Task.case_id).where(
            *case_conditions(Filters(category=filters.category, channel=filters.channel)))
    return query


def case_conditions(filters: Filters, offices: list[str] | None = None) -> list[ColumnElement[bool]]:
    """WHERE clauses on Case for the period, category and channel, and `offices` when given."""
    lo, hi = filters.bounds()
    conditions: list[ColumnElement[bool]] = []
    if lo is not None:
        conditions.append(Case.created_at >= lo)
    if hi is not None:
        conditions.append(Case.created_at < hi)
    if filters.category:
        conditions.append(Case.category == filters.category)
    if filters.channel:
        conditions.append(Case.channel == filters.channel)
    if offices is not None:
        conditions.append(Case.office.in_(offices))
    return conditions
