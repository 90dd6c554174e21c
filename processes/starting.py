"""Start a case from the browser: which processes a person may start, and the start form of each.

A routine says who may start it (`start_groups` on the process: members of those groups) and which
task is its start form (the user task with the role `intake`), both set in the modeler and read from
the deployed BPMN (processes.routines). Starting checks the form's data first, then starts the case
and completes that task with the data in one transaction (processes.handover), so a rejected form
leaves no case behind. Nothing here names one routine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .authz import may_start, require
from .cases import start_case
from .db import utcnow
from .errors import NotFound
from .forms import validate_submission
from .handover import start_with_intake
from .models import Case, ProcessVersion, User
from .routines import current_versions, version_routine
from .runtime import bundle_for
from .texts import Text
from .translations import translated_properties


@dataclass(frozen=True)
class Startable:
    """A process someone may start: its current version, what it is for, and its start form (if any)."""

    key: str
    name: str
    version: int
    description: str
    start_groups: tuple[str, ...]
    form: dict[str, Any] | None
    start_element: str | None
    channel_field: str | None = None  # the routine's channel_field
    # the description's translations by language ({"sv": ...}, its documentation_sv); `description` is the default
    descriptions: Mapping[str, str] = field(default_factory=dict)

    def description_in(self, language: str) -> str:
        """What the process is for in `language`; the default description where it has no translation."""
        return self.descriptions.get(language) or self.description


def _startable(version: ProcessVersion) -> Startable:
    routine, bundle = version_routine(version), bundle_for(version)
    element = routine.intake_element
    form_name = bundle.element_properties.get(element or "", {}).get("form")
    return Startable(key=version.key, name=version.name or version.key, version=version.version,
                     description=bundle.documentation, start_groups=routine.start_groups,
                     form=bundle.form(form_name), start_element=element, channel_field=routine.channel_field,
                     descriptions=translated_properties(bundle.properties) if bundle.documentation else {})


def _current(session: Session) -> list[Startable]:
    return [_startable(version) for version in current_versions(session)]


def startable_processes(session: Session, actor: User | None) -> list[Startable]:
    """The current version of every deployed process `actor` may start (its start_groups), by name."""
    found = [p for p in _current(session) if may_start(session, actor, p.start_groups)]
    return sorted(found, key=lambda p: (p.name.lower(), p.key))


def startable_process(session: Session, actor: User | None, key: str) -> Startable:
    """Process `key` as `actor` may start it; NotFound when it is not deployed, PermissionDenied when
    the actor is in none of its start groups."""
    process = next((p for p in _current(session) if p.key == key), None)
    if process is None:
        raise NotFound(Text("no deployed process '%(key)s'", key=key))
    require(may_start(session, actor, process.start_groups), Text("you may not start '%(key)s' cases", key=key))
    return process


def start_case_from_form(session: Session, actor: User | None, key: str, data: Mapping[str, Any], *,
                         now: datetime | None = None) -> Case:
    """Start a case of `key` and complete its start task with `data`, checked against that task's form
    (InvalidFormData per field, and no case). A process without a start task is started with no data."""
    now = now or utcnow()
    process = startable_process(session, actor, key)
    clean = validate_submission(process.form, data) if process.form is not None else {}
    channel = process.channel_field  # the start form's channel goes in the case's own column from the start
    start_data = {channel: clean[channel]} if channel and isinstance(clean.get(channel), str) else {}
    if process.start_element is None:
        return start_case(session, actor, key, start_data, now=now)
    # The start groups, checked above, let the actor fill in the start form whatever its task's lane.
    return start_with_intake(session, actor, start_data, clean, now=now, key=key, starter=True)


def may_start_any(session: Session, actor: User | None) -> bool:
    """Whether `actor` may start some deployed process (the navigation shows the start page then)."""
    return any(may_start(session, actor, p.start_groups) for p in _current(session))
