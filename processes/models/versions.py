"""Deployed process versions and their files (BPMN, DMN, forms); immutable once deployed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import utcnow
from .base import Base
from .users import User

VERSION_STATUSES = ("draft", "deployed", "retired")
FILE_KINDS = ("bpmn", "dmn", "form")


class ProcessVersion(Base):
    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # one of VERSION_STATUSES
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_at: Mapped[datetime | None]
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    files: Mapped[list[ProcessFile]] = relationship(
        back_populates="version", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ProcessFile.name",
    )
    deployed_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ProcessVersion {self.key} v{self.version} {self.status}>"


class ProcessFile(Base):
    """One source file of a version, named as in the bundle (`forms/intake.form`)."""

    __tablename__ = "process_files"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))  # one of FILE_KINDS
    content: Mapped[str] = mapped_column(Text)

    version: Mapped[ProcessVersion] = relationship(back_populates="files")
