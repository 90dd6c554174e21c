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

    def get_id(self) -> str:
        return str(self.id)

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


def load_user(user_id: Any) -> CurrentUser | None:
    user = db_session().get(User, int(user_id))
    if user is None or not user.active:
        return None
    return CurrentUser(user.id, user.username, user.display_name or user.username, list(user.roles),
                       user.locale or "en")


def actor() -> User:
    """The logged-in user as the model row operations take."""
    from flask_login import current_user

    return current_user.model()  # type: ignore[no-any-return]
