"""Timers waiting in cases; workers fire the due ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import utcnow
from .base import Base

TIMER_STATES = ("waiting", "fired", "cancelled", "failed")
# Not fired yet. A failed timer (its case step failed: processes.timers) is not retried, but it stays
# the case's until the case moves past it or closes, like a waiting one.
UNFIRED_TIMER_STATES = ("waiting", "failed")


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_state_due", "state", "due_at"),
        Index("ix_timers_case_state", "case_id", "state"),
        UniqueConstraint("case_id", "spiff_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), default="waiting")  # one of TIMER_STATES
    fired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
