"""The request's database session and the logged-in user.

A request uses one session; views call operations and `commit()` once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g
from flask_login import UserMixin
from sqlalchemy.orm import Session

from processes.models import User
from processes.unit import Database


def database() -> Database:
    db: Database = current_app.extensions["onestop.db"]
    return db


def db_session() -> Session:
    """The session of this request, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    session: Session = g.db_session
    return session


def commit() -> None:
    db_session().commit()


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


HOME_BY_ROLE = (("admin", "admin.index"), ("analyst", "modeler.index"), ("manager", "inbox.inbox"),
                ("csu_agent", "intake.intake"), ("officer", "inbox.inbox"))


@dataclass
class CurrentUser(UserMixin):
    """What the web layer keeps of the logged-in user; `model()` gives the database row."""

    id: int
    username: str
    display_name: str
    roles: list[str]
    locale: str
    session_version: int = 0

    def get_id(self) -> str:
        # The cookie names the user and the session version: raising the version ends the session
        # even in a copy of the cookie, which the browser alone could not forget (it is signed, not stored).
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def home_endpoint(self) -> str:
        for role, endpoint in HOME_BY_ROLE:
            if role in self.roles:
                return endpoint
        return "inbox.inbox"

    def model(self) -> User:
        user = db_session().get(User, self.id)
        assert user is not None
        return user


def load_user(session_id: Any) -> CurrentUser | None:
    """The user of a login cookie ("<user id>:<session version>"), or None when it has ended."""
    user_id, _, version = str(session_id).partition(":")
    if not (user_id.isdigit() and version.isdigit() and len(user_id) < 10 and len(version) < 10):
        return None  # a cookie from before session versions, or not ours
    user = db_session().get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return current_user_of(user)


def current_user_of(user: User) -> CurrentUser:
    return CurrentUser(user.id, user.username, user.display_name or user.username, list(user.roles),
                       user.locale or "en", user.session_version)


def actor() -> User:
    """The logged-in user as the model row operations take."""
    from flask_login import current_user

    return current_user.model()  # type: ignore[no-any-return]
