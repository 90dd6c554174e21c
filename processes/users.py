"""Users, groups (the CSU and the offices) and memberships."""

from __future__ import annotations

import functools
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import InvalidFormData, NotFound
from .models import ROLES, Group, Membership, User
from .texts import Text


def find_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(Text("no user '%(username)s'", username=username))
    return user


def find_group(session: Session, name: str) -> Group:
    group = session.scalars(select(Group).where(Group.name == name)).first()
    if group is None:
        raise NotFound(Text("no group '%(name)s'", name=name))
    return group


def ensure_group(session: Session, name: str, title: str, kind: str = "office",
                 titles: dict[str, str] | None = None) -> Group:
    """The group `name`, created if missing (idempotent, for set-up and demo data); `titles` by language
    are added where the group has none."""
    group = session.scalars(select(Group).where(Group.name == name)).first()
    if group is None:
        group = Group(name=name, title=title, kind=kind, active=True, titles=titles or None)
        session.add(group)
        session.flush()
    elif titles and not group.titles:
        group.titles = dict(titles)
    return group


def ensure_user(
    session: Session,
    username: str,
    *,
    display_name: str,
    roles: list[str],
    password: str | None = None,
    email: str | None = None,
) -> User:
    """The user `username`, created if missing; roles and password are set when given."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, display_name=display_name, email=email, active=True)
        session.add(user)
    user.roles = list(roles)
    if password is not None:
        user.password_hash = generate_password_hash(password)
        if user.id is not None:
            end_sessions(session, user)
    session.flush()
    return user


def add_member(session: Session, user: User, group: Group, *, manager: bool = False) -> Membership:
    membership = session.get(Membership, (user.id, group.id))
    if membership is None:
        membership = Membership(user_id=user.id, group_id=group.id, is_manager=manager)
        session.add(membership)
    membership.is_manager = manager
    session.flush()
    return membership


def check_password(user: User | None, password: str) -> bool:
    """True when `user` is active and `password` is theirs.

    Takes as long for an unknown user, an inactive one or one without a local password (single
    sign-on) as for a wrong password: a dummy hash of the same method and cost is checked, so the
    answer time does not tell which usernames exist."""
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or _dummy_hash(), password)
    return bool(user is not None and user.active and stored and matches)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password made like every stored one (werkzeug's default method and cost)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def end_sessions(session: Session, user: User) -> None:
    """End every login session of `user`, on every browser: the cookies carry the old session version."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()


LOCALES = ("en", "sv")


def set_locale(session: Session, actor: User, locale: str) -> User:
    """The actor's own language for the web pages: one of LOCALES."""
    if locale not in LOCALES:
        raise InvalidFormData({"locale": Text("unknown language '%(locale)s': use one of %(locales)s",
                                              locale=locale, locales=', '.join(LOCALES))})
    actor.locale = locale
    session.flush()
    return actor
