"""People and their groups: users, the CSU and office groups, memberships, and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import utcnow
from .base import Base

ROLES = ("csu_agent", "officer", "manager", "analyst", "admin")
CSU_KIND, OFFICE_KIND = "csu", "office"  # a front desk that registers requests, or a back office
GROUP_KINDS = (CSU_KIND, OFFICE_KIND)


class User(Base):
    __tablename__ = "users"
    # A single sign-on account is the pair (issuer, subject): `sub` is unique only at its provider.
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # A short list that is always read whole: a comma-separated column beats a join table here.
    role_names: Mapped[str] = mapped_column("roles", String(200), default="")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every login cookie: raising it ends all the user's sessions (logout, new password).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    @property
    def roles(self) -> list[str]:
        """Role names, in ROLES order; `User(roles=[...])` and assignment go through the setter."""
        return [name for name in (self.role_names or "").split(",") if name]

    @roles.setter
    def roles(self, names: list[str]) -> None:
        unknown = sorted(set(names) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s): {', '.join(unknown)}")
        self.role_names = ",".join(name for name in ROLES if name in names)

    def has_role(self, name: str) -> bool:
        return name in self.roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class Group(Base):
    """The CSU or one back office; tasks are offered to a group by its `name`."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    titles: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))  # by language, beside `title`
    kind: Mapped[str] = mapped_column(String(16))  # one of GROUP_KINDS
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<Group {self.name}>"


class Membership(Base):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    is_manager: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="memberships")
    group: Mapped[Group] = relationship(back_populates="memberships")


class ApiKey(Base):
    """A key for Open311 / REST clients; only its hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User | None] = relationship()
