"""What open cases wait on from outside: the index that correlates a message or signal to its cases."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# The kinds of wait someone can deliver (onestop message / signal); timers have their own table.
DELIVERABLE_KINDS = ("message", "signal")


class CaseWait(Base):
    """One catch event (receive task, intermediate or boundary event) of an open case waiting for
    a message or signal `name`. A copy of `Case.waiting`, kept in the same transaction, so that a
    signal broadcast finds its cases by an index instead of reading every case.

    A message with BPMN correlation gets a row per correlation key, `correlation` the fingerprint of
    the key and the values the case expects (processes.waits.fingerprint): a message finds its case
    from its payload by that index."""

    __tablename__ = "case_waits"
    __table_args__ = (
        Index("ix_case_waits_kind_name", "kind", "name"),
        Index("ix_case_waits_case_id", "case_id"),
        Index("ix_case_waits_correlation", "correlation"),
        Index("ix_case_waits_kind_name_version", "kind", "name", "version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(16))  # one of DELIVERABLE_KINDS
    name: Mapped[str] = mapped_column(String(200))
    element_id: Mapped[str] = mapped_column(String(100))
    correlation: Mapped[str | None] = mapped_column(String(64))
    # The process version whose definition of the message computed `correlation`: the versions a
    # message's payload must be read with are found by index, not by reading every waiting case.
    # Set on every row; nullable only so that the upgrade adds it without rebuilding the table.
    version_id: Mapped[int | None] = mapped_column(Integer)
