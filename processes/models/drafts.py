"""Drafts: the process files an analyst is editing, before an administrator deploys them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import utcnow
from .base import Base
from .users import User


class ProcessDraft(Base):
    """One editable draft per process key; deployed versions stay immutable in process_versions.

    `files` maps bundle names (`forms/intake.form`) to their text; `scenarios` are the saved
    test runs ([{name, start_data, steps}]); `base_version` is the version the draft started from."""

    __tablename__ = "process_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    scenarios: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    base_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ProcessDraft {self.key}>"
