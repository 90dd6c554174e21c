"""The task inbox: which open tasks a person sees, filtered, sorted and paged by keyset.

Reads only the tasks table (the case fields it filters on are copied onto each task).
Every visible "branch" (my tasks; the unclaimed, or for a manager all, tasks of one group) is an
index range scan on `ix_tasks_status_assignee_due` or `ix_tasks_status_group_due` that stops after
one page; a UNION of the branches is then sorted, so a page costs about (branches x page size)
rows whatever the number of open tasks. The free-text filter is a plain case-insensitive LIKE on
the copied columns, applied inside those scans: no extra index, so a rare word may walk a whole
group's range; good enough below a few 100k open tasks per group, a trigram index beyond.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, or_, select
from sqlalchemy.orm import Session

from engine import InvalidProcess

from .errors import DomainError, NotFound
from .inbox_sql import DUE_FILTERS, FilterShape, T, condition, like_pattern, page_statement, plan
from .language import reading_language, title_in
from .models import Group, Membership, ProcessVersion, User
from .service_catalog import list_services
from .texts import Text
from .translations import current_texts

SCOPES = ("all", "mine", "unclaimed")
PAGE_SIZE = 50
MAX_TEXT = 100


class InvalidInboxQuery(DomainError):
    """A filter or cursor in the request cannot be understood."""


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts strictly after (due_at nulls last, id)."""

    due_at: datetime | None
    id: int

    def encode(self) -> str:
        due = self.due_at.isoformat().replace("+00:00", "Z") if self.due_at is not None else ""
        return f"{due}|{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        if not raw:
            return None
        due, _, ident = raw.partition("|")
        try:
            moment = datetime.fromisoformat(due) if due else None
            if moment is not None and moment.tzinfo is None:
                raise ValueError("naive")
            return cls(moment, int(ident))
        except ValueError as err:
            raise InvalidInboxQuery(Text("'%(raw)s' is not a page cursor", raw=raw)) from err


@dataclass(frozen=True)
class InboxFilters:
    group: str | None = None
    process_key: str | None = None
    category: str | None = None
    due: str | None = None  # one of DUE_FILTERS
    text: str | None = None
    scope: str = "all"  # one of SCOPES
    assignee_id: int | None = None  # a manager looking at one member's tasks

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise InvalidInboxQuery(Text("scope must be one of %(scopes)s", scopes=', '.join(SCOPES)))
        if self.due is not None and self.due not in DUE_FILTERS:
            raise InvalidInboxQuery(Text("due must be one of %(filters)s", filters=', '.join(DUE_FILTERS)))
        if self.text is not None and len(self.text) > MAX_TEXT:
            raise InvalidInboxQuery(Text("the search text is longer than %(n)s characters", n=MAX_TEXT))


@dataclass(frozen=True)
class DueWindows:
    """Bucket boundaries in UTC: local midnight tonight and local midnight ending Sunday."""

    now: datetime
    end_of_today: datetime
    end_of_week: datetime

    @classmethod
    def at(cls, now: datetime, zone: tzinfo) -> DueWindows:
        local = now.astimezone(zone).date()
        tomorrow = datetime.combine(local + timedelta(days=1), time(), tzinfo=zone)
        monday = datetime.combine(local + timedelta(days=7 - local.weekday()), time(), tzinfo=zone)
        return cls(now, tomorrow, monday)

    def contains(self, due: str, moment: datetime) -> bool:
        """Whether `moment` lies in window `due`, as `condition` decides it in SQL."""
        if due == "overdue":
            return moment < self.now
        return self.now <= moment < (self.end_of_today if due == "today" else self.end_of_week)

    def params(self) -> dict[str, datetime]:
        """The window bounds as the parameters of processes.inbox_sql.due_condition."""
        return {"now": self.now, "end_of_today": self.end_of_today, "end_of_week": self.end_of_week}


@dataclass(frozen=True)
class Visibility:
    """What a person sees: own tasks, unclaimed tasks of member groups, everything of managed groups."""

    user_id: int
    groups: tuple[str, ...]  # member, not manager
    managed: tuple[str, ...]
    titles: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def all_groups(self) -> tuple[str, ...]:
        return tuple(sorted({*self.groups, *self.managed}))


def visibility(session: Session, actor: User) -> Visibility:
    """The inbox rules for `actor` (memberships as in processes.authz); an administrator manages every group."""
    if actor.has_role("admin"):
        titles = {name: title_in(title, titles) for name, title, titles in
                  session.execute(select(Group.name, Group.title, Group.titles).order_by(Group.name))}
        return Visibility(actor.id, (), tuple(titles), titles)
    rows = session.execute(MEMBERSHIPS, {"user_id": actor.id}).all()
    return Visibility(actor.id, tuple(name for name, _, manager, _ in rows if not manager),
                      tuple(name for name, _, manager, _ in rows if manager),
                      {name: title_in(title, titles) for name, title, _, titles in rows})


def visible_condition(vis: Visibility) -> tuple[ColumnElement[bool], dict[str, Any]]:
    """Every open task `vis` may see in its inbox (scope 'all', no filters): one condition and the values
    of its bound parameters, for the statement's params()."""
    branches, params = plan(vis, InboxFilters())
    return (or_(*(condition(branch) for branch in branches)) if branches else false()), params


def filter_params(filters: InboxFilters) -> tuple[FilterShape, dict[str, Any]]:
    shape = FilterShape(process=bool(filters.process_key), category=bool(filters.category), due=filters.due,
                        text=bool(filters.text))
    params = {"process": filters.process_key, "category": filters.category,
              "text": like_pattern(filters.text) if filters.text else None}
    return shape, {key: value for key, value in params.items() if value is not None}


@dataclass
class InboxRow:
    id: int
    name: str
    element_id: str
    group_name: str | None
    assignee_id: int | None
    due_at: datetime | None
    created_at: datetime
    case_id: int
    case_ref: str | None
    category: str | None
    citizen_name: str | None
    summary: str | None
    process_key: str | None
    assignee_name: str | None = None
    overdue: bool = False


ROW_COLUMNS = (T.id, T.name, T.element_id, T.group_name, T.assignee_id, T.due_at,
               T.created_at, T.case_id, T.case_ref, T.category, T.citizen_name, T.summary,
               T.process_key)


# Built once: the statements of every request differ only in their parameters.
ROWS_BY_ID = (select(*ROW_COLUMNS, User.display_name).outerjoin(User, User.id == T.assignee_id)
              .where(T.id.in_(bindparam("ids", expanding=True))))
MEMBERSHIPS = (select(Group.name, Group.title, Membership.is_manager, Group.titles)
               .join(Membership, Membership.group_id == Group.id)
               .where(Membership.user_id == bindparam("user_id")).order_by(Group.name))


@dataclass
class InboxPage:
    rows: list[InboxRow]
    next_cursor: Cursor | None
    windows: DueWindows
    visibility: Visibility
    filters: InboxFilters = field(default_factory=InboxFilters)


def inbox_page(session: Session, actor: User, filters: InboxFilters, *, now: datetime, zone: tzinfo,
               after: Cursor | None = None, limit: int = PAGE_SIZE) -> InboxPage:
    """One page of the tasks `actor` sees under `filters`, by due date (undated last) then id."""
    vis = visibility(session, actor)
    windows = DueWindows.at(now, zone)
    branches, params = plan(vis, filters)
    if not branches:
        return InboxPage([], None, windows, vis, filters)
    shape, filter_values = filter_params(filters)
    cursor = None if after is None else ("undated" if after.due_at is None else "dated")
    if after is not None:
        params.update(after_id=after.id, **({"after_due": after.due_at} if after.due_at else {}))
    params.update(filter_values, limit=limit + 1, **(windows.params() if filters.due else {}))
    ids = list(session.scalars(page_statement(branches, shape, cursor), params))
    rows = load_rows(session, ids[:limit], now)
    more = Cursor(rows[-1].due_at, rows[-1].id) if len(ids) > limit and rows else None
    return InboxPage(rows, more, windows, vis, filters)


def load_rows(session: Session, ids: list[int], now: datetime) -> list[InboxRow]:
    """The inbox rows of tasks `ids`, in that order, with the assignee's name and whether overdue at `now`."""
    if not ids:
        return []
    found = {}
    for *columns, name in session.execute(ROWS_BY_ID, {"ids": ids}):
        row = InboxRow(*columns)
        row.assignee_name, row.overdue = name, row.due_at is not None and row.due_at < now
        found[row.id] = row
    return [found[task_id] for task_id in ids if task_id in found]


@dataclass(frozen=True)
class FilterOptions:
    processes: list[tuple[str, str]]  # (key, name) of the deployed processes
    categories: list[tuple[str, str]]  # (code, name) of the request types of the current intake form


DEPLOYED = (select(ProcessVersion.key, ProcessVersion.name, ProcessVersion.content_hash)
            .where(ProcessVersion.status == "deployed").order_by(ProcessVersion.key, ProcessVersion.version.desc()))
# By the content hashes of the deployed versions: what they offer never changes, so any process may
# keep it, and a new deployment simply makes a new key. Bounded like service_catalog's cache.
_options: dict[tuple[str, ...], FilterOptions] = {}


def filter_options(session: Session) -> FilterOptions:
    """The values the process and category filters offer (small tables, not the tasks table)."""
    deployed = session.execute(DEPLOYED).all()
    language = reading_language()  # the names are in the reader's language
    key = (language, *(content_hash for _, _, content_hash in deployed))
    options = _options.get(key)
    if options is None:
        newest: dict[str, str] = {}
        for process_key, name, _ in deployed:
            if process_key not in newest:
                newest[process_key] = current_texts(session, process_key).name(process_key, name, language)
        try:
            categories = [(service.code, service.name) for service in list_services(session)]
        except (NotFound, InvalidProcess):  # nothing (usable) deployed: the inbox still works, unfiltered
            categories = []
        if len(_options) > 32:
            _options.clear()
        options = _options[key] = FilterOptions(list(newest.items()), categories)
    return options
