"""The office manager's view: what is overdue in my offices and who carries how much open work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from .authz import group_roles, require
from .inbox import InboxRow, T, load_rows
from .language import title_in
from .models import Group, Membership, User
from .routines import follow_up_elements
from .texts import Text

LIST_LIMIT = 20


@dataclass(frozen=True)
class Member:
    id: int
    username: str
    display_name: str
    is_manager: bool = False


@dataclass
class Workload:
    """Open tasks of one office held by one person (`member` None: nobody has claimed them)."""

    member: Member | None
    open: int = 0
    overdue: int = 0
    oldest: datetime | None = None  # created_at of the oldest open task


@dataclass
class OfficeOverview:
    name: str
    title: str
    follow_ups: list[InboxRow] = field(default_factory=list)
    overdue: list[InboxRow] = field(default_factory=list)
    overdue_total: int = 0
    follow_up_total: int = 0
    workloads: list[Workload] = field(default_factory=list)

    @property
    def open_total(self) -> int:
        return sum(load.open for load in self.workloads)


def managed_groups(session: Session, actor: User) -> list[Group]:
    """The groups `actor` manages; every group for an administrator."""
    query = select(Group).order_by(Group.title)
    if not actor.has_role("admin"):
        names = [name for name, manager in group_roles(session, actor).items() if manager]
        query = query.where(Group.name.in_(names))
    return list(session.scalars(query))


def group_members(session: Session, names: list[str] | tuple[str, ...]) -> dict[str, list[Member]]:
    """Active members of each group, by display name: whom a manager may assign its tasks to."""
    rows = session.execute(
        select(Group.name, User.id, User.username, User.display_name, Membership.is_manager)
        .join(Membership, Membership.group_id == Group.id).join(User, User.id == Membership.user_id)
        .where(Group.name.in_(list(names)), User.active.is_(True))
        .order_by(Group.name, User.display_name, User.id)
    )
    members: dict[str, list[Member]] = {name: [] for name in names}
    for group, user_id, username, display_name, is_manager in rows:
        members[group].append(Member(user_id, username, display_name, bool(is_manager)))
    return members


def office_overview(session: Session, actor: User, *, now: datetime) -> list[OfficeOverview]:
    """For each office `actor` manages: follow-ups, overdue tasks and the open work per person."""
    require(actor.has_role("manager") or actor.has_role("admin"), Text("only managers see the office overview"))
    offices = managed_groups(session, actor)
    members = group_members(session, [g.name for g in offices])
    follow_up = is_follow_up(session)
    return [_office(session, group, members[group.name], follow_up, now) for group in offices]


def is_follow_up(session: Session) -> ColumnElement[bool]:
    """Tasks of the elements the analyst gave the role follow_up (in their own process)."""
    by_process = follow_up_elements(session)
    if not by_process:
        return false()
    return or_(*(and_(T.process_key == key, T.element_id.in_(sorted(ids))) for key, ids in sorted(by_process.items())))


def _office(session: Session, group: Group, members: list[Member], follow_up: ColumnElement[bool],
            now: datetime) -> OfficeOverview:
    office = OfficeOverview(group.name, title_in(group.title, group.titles))
    mine = (T.status == "open", T.group_name == group.name)
    dated = select(T.id).where(*mine).order_by(T.due_at.asc().nulls_last(), T.id)
    office.follow_ups = _rows(session, dated.where(follow_up).limit(LIST_LIMIT), now)
    office.overdue = _rows(session, dated.where(T.due_at < now).limit(LIST_LIMIT), now)
    loads = {m.id: Workload(m) for m in members}
    unassigned = Workload(None)
    query = (select(T.assignee_id, func.count(), func.sum(case((T.due_at < now, 1), else_=0)),
                    func.min(T.created_at), func.sum(case((follow_up, 1), else_=0)))
             .where(*mine).group_by(T.assignee_id))
    for assignee_id, count, overdue, oldest, follow_ups in session.execute(query):
        office.follow_up_total += int(follow_ups or 0)
        load = unassigned if assignee_id is None else loads.get(assignee_id)
        if load is None:  # claimed by someone who has since left the office
            load = loads[assignee_id] = Workload(_person(session, assignee_id))
        load.open, load.overdue, load.oldest = count, int(overdue or 0), oldest
        office.overdue_total += load.overdue
    office.workloads = [*sorted(loads.values(), key=lambda w: (-w.open, w.member.display_name if w.member else "")),
                        unassigned]
    return office


def _person(session: Session, user_id: int) -> Member | None:
    user = session.get(User, user_id)
    return Member(user.id, user.username, user.display_name) if user is not None else None


def _rows(session: Session, query: Select[*tuple[Any, ...]], now: datetime) -> list[InboxRow]:
    return load_rows(session, list(session.scalars(query)), now)
