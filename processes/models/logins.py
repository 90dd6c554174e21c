"""Failed logins, counted where every web process sees them: per account name and per client address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LoginFailures(Base):
    """Consecutive failed logins of one key (`account:<name>` or `ip:<address>`) and how long it is locked."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_last_failure_at", "last_failure_at"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
