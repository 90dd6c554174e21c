"""Cases (process instances) and the CSU knowledge base used while taking them in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import utcnow
from .base import Base
from .users import User
from .versions import ProcessVersion

CASE_STATUSES = ("open", "closed", "cancelled")


class Case(Base):
    """One citizen request running on one process version.

    `lock_version` is bumped on every UPDATE; a write based on a stale read raises StaleDataError,
    so two people completing work on the same case cannot both win.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_office", "status", "office"),
        Index("ix_cases_citizen_email", "citizen_email"),
        Index("ix_cases_process_key_version_status", "process_key", "version_id", "status"),
        Index("ix_cases_created_at", "created_at"),  # the dashboard's period: requests received
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # one of CASE_STATUSES
    office: Mapped[str | None] = mapped_column(String(64))  # name of the group it is routed to
    channel: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(64))
    # What the dashboard counts, kept as the case moves (processes/case_facts.py): from the intake
    # data, and when and by which office the request was answered.
    resolved_on_first_contact: Mapped[bool] = mapped_column(default=False)
    kb_article: Mapped[str | None] = mapped_column(String(200))  # the knowledge-base article used, if any
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(String(64))  # the group that answered
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    citizen_email: Mapped[str | None] = mapped_column(String(254))
    tracking_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # serialized engine state
    # What the case waits on ({"element_id", "kind", "name"} per catch event: message, signal, timer...)
    # and, when it can neither move nor wait, the element ids it is stuck at (processes/waits.py).
    waiting: Mapped[list[dict[str, str]] | None] = mapped_column(JSON(none_as_null=True))
    stuck: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    lock_version: Mapped[int] = mapped_column()
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    version: Mapped[ProcessVersion] = relationship()
    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.business_key} {self.status}>"


class Article(Base):
    """A knowledge-base article the CSU answers from; the votes tell which ones help. Its `language`
    (a code of processes.users.LOCALES) says who reads it; None: readers of every language. A retired
    article (`retired_at`) is kept for history but no longer found; `updated_by` is the username of
    whoever wrote it last (None: the demo, or before anyone was recorded)."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(8))
    helpful_count: Mapped[int] = mapped_column(default=0)
    not_helpful_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
