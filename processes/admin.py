"""Administration: users, roles, groups (the CSU and the offices), memberships and office managers.

Every operation is for administrators only and leaves an event in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import generate_password_hash

from . import events
from .authz import require
from .db import utcnow
from .errors import Conflict, InvalidFormData, NotFound
from .language import TRANSLATED
from .models import GROUP_KINDS, ROLES, Group, Membership, User
from .texts import Text
from .users import end_sessions

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,63}")
GROUP_NAME = re.compile(r"[a-z][a-z0-9_]{1,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD = 8


def require_admin(actor: User | None) -> None:
    require(actor is None or actor.has_role("admin"), Text("only administrators may do this"))


def _audit(session: Session, event: str, actor: User | None, now: datetime, **details: Any) -> None:
    events.record(session, event, at=now, actor=actor, **details)


def list_users(session: Session, actor: User | None) -> list[User]:
    require_admin(actor)
    query = select(User).options(selectinload(User.memberships).selectinload(Membership.group))
    return list(session.scalars(query.order_by(User.username)))


def get_user(session: Session, actor: User | None, user_id: int) -> User:
    require_admin(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(Text("user %(user_id)s not found", user_id=user_id))
    return user


def _user_fields(display_name: str, email: str, roles: Iterable[str], password: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not display_name.strip():
        errors["display_name"] = Text("a name is required")
    if email and not EMAIL.fullmatch(email):
        errors["email"] = Text("not an e-mail address")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        errors["roles"] = Text("unknown role(s): %(roles)s", roles=', '.join(unknown))
    if password is not None and len(password) < MIN_PASSWORD:
        errors["password"] = Text("at least %(n)s characters", n=MIN_PASSWORD)
    return errors


def create_user(session: Session, actor: User | None, username: str, *, display_name: str, email: str = "",
                roles: Iterable[str], password: str, now: datetime | None = None) -> User:
    """A new active local account."""
    require_admin(actor)
    now = now or utcnow()
    username = username.strip().lower()
    roles = list(roles)
    errors = _user_fields(display_name, email, roles, password)
    if not USERNAME.fullmatch(username):
        errors["username"] = Text("2-64 characters: lower-case letters, digits, '.', '_' or '-'")
    elif session.scalars(select(User).where(User.username == username)).first() is not None:
        errors["username"] = Text("'%(username)s' is taken", username=username)
    if errors:
        raise InvalidFormData(errors)
    user = User(username=username, display_name=display_name.strip(), email=email.strip() or None,
                active=True, created_at=now, password_hash=generate_password_hash(password))
    user.roles = roles
    session.add(user)
    session.flush()
    _audit(session, "user_created", actor, now, user=username, roles=user.roles)
    return user


def update_user(session: Session, actor: User | None, user_id: int, *, display_name: str, email: str = "",
                roles: Iterable[str], active: bool, password: str | None = None,
                now: datetime | None = None) -> User:
    """Change a user's name, e-mail, roles, active flag and (when given) password."""
    user = get_user(session, actor, user_id)
    now = now or utcnow()
    roles = list(roles)
    errors = _user_fields(display_name, email, roles, password or None)
    if errors:
        raise InvalidFormData(errors)
    if actor is not None and user.id == actor.id and ("admin" not in roles or not active):
        raise Conflict(Text("you cannot remove your own administrator role or deactivate yourself"))
    user.display_name = display_name.strip()
    user.email = email.strip() or None
    user.roles = roles
    user.active = active
    if password:
        user.password_hash = generate_password_hash(password)
        end_sessions(session, user)  # a stolen session must not outlive the password it was opened with
    session.flush()
    _audit(session, "user_updated", actor, now, user=user.username, roles=user.roles, active=active,
           password_changed=bool(password))
    return user


def list_groups(session: Session, actor: User | None) -> list[Group]:
    require_admin(actor)
    query = select(Group).options(selectinload(Group.memberships).selectinload(Membership.user))
    return list(session.scalars(query.order_by(Group.kind, Group.name)))


def get_group(session: Session, actor: User | None, group_id: int) -> Group:
    require_admin(actor)
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound(Text("group %(group_id)s not found", group_id=group_id))
    return group


def _group_fields(title: str, kind: str, email: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = Text("a title is required")
    if kind not in GROUP_KINDS:
        errors["kind"] = Text("one of %(kinds)s", kinds=', '.join(GROUP_KINDS))
    if email and not EMAIL.fullmatch(email):
        errors["email"] = Text("not an e-mail address")
    return errors


def create_group(session: Session, actor: User | None, name: str, *, title: str, kind: str = "office",
                 email: str = "", titles: Mapping[str, str] | None = None, now: datetime | None = None) -> Group:
    """A new office (or CSU group); tasks reach it through its `name`."""
    require_admin(actor)
    now = now or utcnow()
    name = name.strip()
    errors = _group_fields(title, kind, email)
    translated = _titles(titles, errors)
    if not GROUP_NAME.fullmatch(name):
        errors["name"] = Text("2-64 characters: lower-case letters, digits and '_', starting with a letter")
    elif session.scalars(select(Group).where(Group.name == name)).first() is not None:
        errors["name"] = Text("'%(name)s' is taken", name=name)
    if errors:
        raise InvalidFormData(errors)
    group = Group(name=name, title=title.strip(), kind=kind, email=email.strip() or None, active=True,
                  titles=translated)
    session.add(group)
    session.flush()
    _audit(session, "group_created", actor, now, group=name, group_kind=kind)
    return group


def update_group(session: Session, actor: User | None, group_id: int, *, title: str, kind: str,
                 email: str = "", active: bool = True, titles: Mapping[str, str] | None = None,
                 now: datetime | None = None) -> Group:
    """Change a group's title (and its translations), kind, e-mail and active flag (its name stays: tasks
    refer to it)."""
    group = get_group(session, actor, group_id)
    now = now or utcnow()
    errors = _group_fields(title, kind, email)
    translated = _titles(titles, errors)
    if errors:
        raise InvalidFormData(errors)
    group.title, group.kind, group.email, group.active = title.strip(), kind, email.strip() or None, active
    if titles is not None:
        group.titles = translated
    session.flush()
    _audit(session, "group_updated", actor, now, group=group.name, active=active)
    return group


def set_membership(session: Session, actor: User | None, user_id: int, group_id: int, *, manager: bool,
                   now: datetime | None = None) -> Membership:
    """Make the user a member (and, with `manager`, a manager) of the group."""
    user = get_user(session, actor, user_id)
    group = get_group(session, actor, group_id)
    now = now or utcnow()
    membership = session.get(Membership, (user.id, group.id))
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, is_manager=manager)
        session.add(membership)
    membership.is_manager = manager
    session.flush()
    _audit(session, "membership_set", actor, now, user=user.username, group=group.name, manager=manager)
    return membership


def remove_membership(session: Session, actor: User | None, user_id: int, group_id: int, *,
                      now: datetime | None = None) -> None:
    """Take the user out of the group; their claimed tasks stay theirs until handed back."""
    user = get_user(session, actor, user_id)
    group = get_group(session, actor, group_id)
    now = now or utcnow()
    membership = session.get(Membership, (user.id, group.id))
    if membership is None:
        raise NotFound(Text("%(username)s is not a member of %(name)s", username=user.username, name=group.name))
    session.delete(membership)
    session.flush()
    _audit(session, "membership_removed", actor, now, user=user.username, group=group.name)


def _titles(titles: Mapping[str, str] | None, errors: dict[str, str]) -> dict[str, str] | None:
    """The translations of a group's title that are given, by language; errors under `title_<lang>`."""
    kept: dict[str, str] = {}
    for language, text in (titles or {}).items():
        if language not in TRANSLATED:
            errors[f"title_{language}"] = Text("unknown language '%(language)s'", language=language)
        elif len(text.strip()) > 200:
            errors[f"title_{language}"] = Text("at most 200 characters")
        elif text.strip():
            kept[language] = text.strip()
    return kept or None
