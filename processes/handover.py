"""Start a citizen request and complete its intake in one go: the CSU's intake form, the public
portal and Open311 clients all hand a request over this way, so it lands in its office at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import start_case
from .errors import Conflict
from .models import Case, Task, User
from .service_catalog import PROCESS_KEY
from .tasks import complete_task

INTAKE_ELEMENT = "intake"


def start_with_intake(session: Session, actor: User | None, start_data: Mapping[str, Any],
                      intake_data: Mapping[str, Any], *, now: datetime) -> Case:
    """A new case of the citizen request routine, its intake task completed with `intake_data` by `actor`
    (None: the system), in the caller's transaction. Conflict when the deployed routine no longer stops
    at an intake task."""
    case = start_case(session, actor, PROCESS_KEY, start_data, now=now)
    intake = session.scalars(select(Task.id).where(Task.case_id == case.id, Task.element_id == INTAKE_ELEMENT,
                                                   Task.status == "open")).first()
    if intake is None:
        raise Conflict(f"process {PROCESS_KEY} no longer starts with an intake task")
    complete_task(session, actor, intake, intake_data, now=now)
    return case
