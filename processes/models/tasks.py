"""The task table: a projection of every ready user task, written with the case state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import utcnow
from .base import Base
from .cases import Case
from .users import User

TASK_STATUSES = ("open", "completed", "cancelled")


class Task(Base):
    """The inbox reads only this table; its indexes follow the inbox queries (status first)."""

    __tablename__ = "tasks"
    __table_args__ = (
        # The inbox (processes/inbox.py): range scans by due date per group and per assignee. The
        # trailing columns make the page's branch scans and the counts index-only.
        Index("ix_tasks_status_group_due", "status", "group_name", "due_at", "id", "assignee_id", "managers_only"),
        Index("ix_tasks_status_assignee_due", "status", "assignee_id", "due_at", "id", "group_name"),
        Index("ix_tasks_case_status", "case_id", "status"),
        # The dashboard (processes/metrics.py): hand-overs, returns, misroutes and escalations of a period.
        Index("ix_tasks_arrived_as_received", "arrived_as", "received_at"),
        UniqueConstraint("case_id", "spiff_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(100))
    group_name: Mapped[str | None] = mapped_column(String(64))  # the candidate group
    managers_only: Mapped[bool] = mapped_column(default=False)
    form: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="open")  # one of TASK_STATUSES
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    form_data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # What the dashboard measures, kept as the task moves so it never searches the event log: the
    # move that created the task (handed_over, returned_to_csu, rerouted or escalated: the event of
    # that kind names the task) and the group it came from; the first claim, assignment or completion.
    arrived_as: Mapped[str | None] = mapped_column(String(20))
    arrived_from: Mapped[str | None] = mapped_column(String(64))
    picked_up_at: Mapped[datetime | None]
    # Copied from the case so that the inbox filters and searches without a join.
    process_key: Mapped[str | None] = mapped_column(String(100))
    case_ref: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(64))
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime | None]  # the case's created_at: the dashboard's period without a join

    case: Mapped[Case] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    def pick_up(self, now: datetime) -> None:
        """Note that somebody took the task on (claimed, was assigned or completed it); the first time counts."""
        if self.picked_up_at is None:
            self.picked_up_at = now

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.element_id} {self.status}>"
