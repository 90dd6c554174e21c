"""The inbox's SQL: built once per shape with named parameters, then reused.

A statement's shape is which visible branches it has (see `plan`) and which filters are set; the
values (user, group names, moments, search words) are parameters. Building a UNION of a dozen
branches costs far more Python than running it, so each shape is built once per process
(`functools.lru_cache`) and executed with a fresh parameter dict; the parameters are required,
so a value of an earlier request can never leak into a later one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, or_, select, true, union_all
from sqlalchemy.sql.elements import ColumnClause

from .models import Task

if TYPE_CHECKING:
    from .inbox import InboxFilters, Visibility

# Core columns, not ORM attributes: no ORM entities to set up for a statement that returns ids.
T = Task.__table__.c
DUE_FILTERS = ("overdue", "today", "week")
LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class Branch:
    """One index range scan: `kind` of tasks, in the group held by parameter `group` (None: any group).

    mine: assigned to me (ix_tasks_status_assignee_due); member: unclaimed and not managers-only;
    managed_unclaimed: unclaimed; managed_all: everything but mine; assignee: someone's, for a manager."""

    kind: str
    group: str | None = None


@dataclass(frozen=True)
class FilterShape:
    process: bool = False
    category: bool = False
    due: str | None = None  # one of DUE_FILTERS
    text: bool = False


def plan(vis: Visibility, filters: InboxFilters) -> tuple[tuple[Branch, ...], dict[str, Any]]:
    """The pairwise disjoint branches that together are everything `filters` lets `vis` see, and the
    parameters they need."""
    params: dict[str, Any] = {"me": vis.user_id}
    wanted = filters.group

    def group(name: str) -> str:
        key = f"g{len(params) - 1}"
        params[key] = name
        return key

    if filters.assignee_id is not None and filters.assignee_id != vis.user_id:
        params["assignee"] = filters.assignee_id
        return tuple(Branch("assignee", group(g)) for g in vis.managed if wanted in (None, g)), params
    found: list[Branch] = []
    if filters.scope in ("mine", "all") or filters.assignee_id == vis.user_id:
        found.append(Branch("mine", group(wanted) if wanted else None))
    if filters.scope in ("unclaimed", "all") and filters.assignee_id is None:
        found += [Branch("member", group(g)) for g in vis.groups if wanted in (None, g)]
        kind = "managed_all" if filters.scope == "all" else "managed_unclaimed"
        found += [Branch(kind, group(g)) for g in vis.managed if wanted in (None, g)]
    return tuple(found), params


def condition(branch: Branch) -> ColumnElement[bool]:
    in_group: ColumnElement[bool] = T.group_name == bindparam(branch.group) if branch.group else true()
    me: ColumnElement[Any] = bindparam("me")
    if branch.kind == "mine":
        return (T.assignee_id == me) & in_group
    if branch.kind == "assignee":
        return (T.assignee_id == bindparam("assignee")) & in_group
    if branch.kind == "member":
        return in_group & T.assignee_id.is_(None) & T.managers_only.is_(False)
    if branch.kind == "managed_unclaimed":
        return in_group & T.assignee_id.is_(None)
    return in_group & (T.assignee_id.is_(None) | (T.assignee_id != me))


def due_condition(due: str, column: ColumnElement[Any] | ColumnClause[Any] = T.due_at) -> ColumnElement[bool]:
    """Due in window `due`, between parameters now, end_of_today and end_of_week."""
    if due == "overdue":
        return column < bindparam("now")
    end: ColumnElement[Any] = bindparam("end_of_today" if due == "today" else "end_of_week")
    return (column >= bindparam("now")) & (column < end)


def like_pattern(words: str) -> str:
    """A LIKE pattern that finds `words` anywhere, with LIKE's wildcards in them taken literally."""
    for special in (LIKE_ESCAPE, "%", "_"):  # the escape character first
        words = words.replace(special, LIKE_ESCAPE + special)
    return f"%{words}%"


def filter_conditions(shape: FilterShape) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [T.status == "open"]
    if shape.process:
        conds.append(T.process_key == bindparam("process"))
    if shape.category:
        conds.append(T.category == bindparam("category"))
    if shape.due:
        conds.append(due_condition(shape.due))
    if shape.text:
        pattern: ColumnElement[str] = bindparam("text")
        conds.append(or_(*(column.ilike(pattern, escape=LIKE_ESCAPE) for column in
                           (T.case_ref, T.citizen_name, T.summary, T.category))))
    return conds


def _keyset(query: Select[*tuple[Any, ...]], cursor: str | None, with_nulls: bool) -> list[Select[*tuple[Any, ...]]]:
    """The query in index order (due_at nulls last, id) from just after parameters after_due/after_id.
    Split in two where the cursor sits among dated tasks, so that each part stays one index range;
    the undated part too keeps the index order (due_at, id), so no part needs a sort."""
    order = (T.due_at.asc().nulls_last(), T.id)
    limit: ColumnElement[int] = bindparam("limit")
    if cursor is None:
        return [query.order_by(*order).limit(limit)]
    undated = query.where(T.due_at.is_(None))
    if cursor == "undated":
        return [undated.where(T.id > bindparam("after_id")).order_by(*order).limit(limit)]
    after_due: ColumnElement[Any] = bindparam("after_due")
    dated = query.where(T.due_at >= after_due, or_(T.due_at > after_due, T.id > bindparam("after_id")))
    parts = [dated.order_by(*order).limit(limit)]
    return [*parts, undated.order_by(*order).limit(limit)] if with_nulls else parts


@lru_cache(maxsize=512)
def page_statement(branches: tuple[Branch, ...], shape: FilterShape, cursor: str | None) -> Select[int]:
    """Ids of one page (parameter limit = page size + 1) in (due_at nulls last, id) order. The branches
    select only the sort key, so the UNION stays narrow."""
    common = filter_conditions(shape)
    parts = [part for branch in branches
             for part in _keyset(select(T.id, T.due_at).where(condition(branch), *common), cursor, not shape.due)]
    merged = (parts[0] if len(parts) == 1 else union_all(*(select(part.subquery()) for part in parts))).subquery()
    return select(merged.c.id).order_by(merged.c.due_at.asc().nulls_last(), merged.c.id).limit(bindparam("limit"))


@lru_cache(maxsize=256)
def counts_statement(branches: tuple[Branch, ...]) -> Select[*tuple[Any, ...]]:
    """Per branch and group: how many of the branch's first `cap` tasks (in due order) fall in each due
    window and scope, and how far the sample reached (its last due date, its undated tasks)."""
    samples = [select(literal_column(str(index)).label("branch"), T.group_name, T.due_at, T.assignee_id)
               .where(T.status == "open", condition(branch)).order_by(T.due_at.asc().nulls_last(), T.id)
               .limit(bindparam("cap")) for index, branch in enumerate(branches)]
    sample = (samples[0] if len(samples) == 1 else union_all(*(select(s.subquery()) for s in samples))).subquery()
    due, who = sample.c.due_at, sample.c.assignee_id
    return select(
        sample.c.branch, sample.c.group_name, func.count().label("n"),
        *(func.count().filter(due_condition(name, due)).label(name) for name in DUE_FILTERS),
        func.count().filter(who == bindparam("me")).label("mine"),
        func.count().filter(who.is_(None)).label("unclaimed"),
        func.max(due).label("last_due"), (func.count() - func.count(due)).label("undated"),
    ).group_by(sample.c.branch, sample.c.group_name)
