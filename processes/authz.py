"""Who may do what: one place for the rules, used by every operation."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import PermissionDenied
from .models import CSU_KIND, Case, Group, Membership, Task, User
from .texts import Text


def group_roles(session: Session, user: User) -> dict[str, bool]:
    """The user's groups by name, each with whether the user manages it."""
    rows = session.execute(
        select(Group.name, Membership.is_manager)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id)
    )
    return {name: bool(is_manager) for name, is_manager in rows}


def may_work_on(session: Session, user: User | None, task: Task) -> bool:
    """Members of the task's group work on it; managers-only tasks need a manager of it.

    `None` is the system (CLI without --user, timers), which may do anything."""
    if user is None or user.has_role("admin"):
        return True
    groups = group_roles(session, user)
    if task.group_name not in groups:
        return False
    return groups[task.group_name] or not task.managers_only


def may_view(session: Session, user: User | None, task: Task) -> bool:
    """Who may open a task (read-only unless `may_work_on`): whoever may work on it, any member or
    manager of its group (a managers-only task included), members of the office the case is with,
    CSU agents for CSU tasks, and the people who claimed or completed it.

    Deliberately not every CSU agent for every task: they follow a case on the case page; the task
    page of an office's task is the office's working space."""
    if user is None or user.has_role("admin"):
        return True
    if user.id in (task.assignee_id, task.completed_by_id):
        return True
    groups = group_roles(session, user)
    if task.group_name in groups or (task.case is not None and task.case.office in groups):
        return True
    return user.has_role("csu_agent") and task.group_name is not None and session.scalar(
        select(Group.kind).where(Group.name == task.group_name)) == CSU_KIND


def may_start(session: Session, user: User | None, start_groups: Iterable[str]) -> bool:
    """Members of a process's start groups start its cases from the start page (the system and
    administrators start any); a process without start groups is started by those two only."""
    if user is None or user.has_role("admin"):
        return True
    return user.active and not set(start_groups).isdisjoint(group_roles(session, user))


def may_manage(session: Session, user: User | None, group_name: str | None) -> bool:
    if user is None or user.has_role("admin"):
        return True
    return bool(group_name) and group_roles(session, user).get(group_name or "", False)


def may_deliver(session: Session, user: User | None, case: Case) -> bool:
    """Who may deliver a BPMN message or signal to a case: the people who answer for it, that is
    administrators, CSU agents (they take the citizen's call that the message reports) and the
    members and managers of the office the case is routed to. An API key acts as its user.

    `None` is the system (CLI without --user, an integration run by an administrator)."""
    if user is None or user.has_role("admin") or user.has_role("csu_agent"):
        return True
    return bool(case.office) and case.office in group_roles(session, user)


def require(allowed: bool, message: Text) -> None:
    """PermissionDenied with `message` (a Text, for the reader's language) unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message)
