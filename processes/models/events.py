"""The append-only event log: audit trail, citizen timeline, dashboards and XES export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import utcnow
from .base import Base
from .users import User

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets room for years of events.
EVENT_ID = BigInteger().with_variant(Integer, "sqlite")
STEP_EVENT = "element_completed"  # the engine completed a BPMN element (the heatmap's steps)


class Event(Base):
    """One thing that happened; `kind` names it (case_started, task_completed, rerouted, ...)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_case_at", "case_id", "at"),
        Index("ix_events_kind_at", "kind", "at"),
        Index("ix_events_office_at", "office", "at"),
        Index("ix_events_task_id", "task_id"),  # a task's pickup after its hand-over (dashboard)
        # The heatmap (processes/heatmap.py): each case's element completions in order, index-only.
        Index("ix_events_steps", "case_id", "at", "id", postgresql_include=["element_id"],
              postgresql_where=text(f"kind = '{STEP_EVENT}'"), sqlite_where=text(f"kind = '{STEP_EVENT}'")),
    )

    id: Mapped[int] = mapped_column(EVENT_ID, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(100))
    task_id: Mapped[int | None]  # no foreign key: the log outlives whatever it mentions
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    office: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} case={self.case_id}>"
