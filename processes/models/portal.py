"""What citizens hand in on the public portal besides the case itself: photos and survey answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import utcnow
from .base import Base


class Attachment(Base):
    """A file attached to a case (a photo from the portal), kept in the database.

    Kept as bytes in the database rather than on a disk, so any web process on any host can serve
    it and a backup of the database is a backup of everything. Never served without the case's
    tracking token or a staff login."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, cleaned; shown, never used as a path
    content_type: Mapped[str] = mapped_column(String(100))  # from the magic bytes, not from the client
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyResponse(Base):
    """The citizen's satisfaction with one answered case: one response per case, kept per office."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    office: Mapped[str | None] = mapped_column(String(64), index=True)
    score: Mapped[int]  # 1 (very unhappy) to 5 (very happy)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
