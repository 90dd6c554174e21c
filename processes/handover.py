"""Start a case and complete its intake task in one go: the CSU's intake form, the public portal and
Open311 clients all hand a request over this way, so it lands in its office at once.

The intake task is the task the analyst gave the role `intake` (processes.routines); by default the
case is one of the process that takes citizens' requests (`citizen_channel`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cases import current_version, start_case
from .errors import Conflict
from .forms import form_fields
from .models import Case, ProcessVersion, Task, User
from .routines import citizen_version, version_routine
from .runtime import bundle_for
from .tasks import complete_task
from .texts import Text


def intake_version(session: Session, key: str | None = None) -> ProcessVersion:
    """The current version of `key`, or of the process that takes citizens' requests."""
    return current_version(session, key) if key is not None else citizen_version(session)


def intake_keys(version: ProcessVersion) -> set[str] | None:
    """The field keys of the intake task's form in `version`; None when it has no form."""
    routine = version_routine(version)
    bundle = bundle_for(version)
    form = bundle.form(bundle.element_properties.get(routine.intake_element or "", {}).get("form"))
    return {f.key for f in form_fields(form)} if form is not None else None


def start_with_intake(session: Session, actor: User | None, start_data: Mapping[str, Any],
                      intake_data: Mapping[str, Any], *, now: datetime, key: str | None = None,
                      drop_unknown: bool = False, starter: bool = False) -> Case:
    """A new case of process `key` (default: the citizen channel's), its intake task completed with
    `intake_data` by `actor` (None: the system), in the caller's transaction. Conflict when the
    process has no intake task, or the case does not stop at it.

    `drop_unknown`: leave out the fields the intake form does not have (the portal and Open311 send
    one fixed set of fields, whatever the routine's form asks; a person's form is checked in full).
    `starter`: the caller checked that `actor` may start the process (its start groups), which lets them
    complete the intake task whatever its lane (processes.tasks.complete_task)."""
    version = intake_version(session, key)
    intake_element = version_routine(version).intake_element
    if intake_element is None:
        raise Conflict(Text("process %(key)s has no intake task (give one task the role intake)", key=version.key))
    known = intake_keys(version) if drop_unknown else None
    if known is not None:
        intake_data = {k: v for k, v in intake_data.items() if k in known}
    case = start_case(session, actor, version.key, start_data, now=now)
    intake = session.scalars(select(Task.id).where(Task.case_id == case.id, Task.element_id == intake_element,
                                                   Task.status == "open")).first()
    if intake is None:
        raise Conflict(Text("process %(key)s does not stop at its intake task %(intake_element)s when it starts",
                            key=version.key, intake_element=intake_element))
    complete_task(session, actor, intake, intake_data, now=now, starter=starter)
    return case
