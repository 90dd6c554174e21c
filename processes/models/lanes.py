"""Which group works on the tasks of a lane, as the administrators set it in the browser."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import utcnow
from .base import Base


class LaneMapping(Base):
    """Lane name -> group name, or `=variable` for the group named by a case variable (`=office`).

    A stored lane overrides the lane's own `group` property in the BPMN (processes.lanes)."""

    __tablename__ = "lane_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    lane: Mapped[str] = mapped_column(String(100), unique=True)
    group_name: Mapped[str] = mapped_column(String(64))
    managers_only: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<LaneMapping {self.lane} -> {self.group_name}>"
