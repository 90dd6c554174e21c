"""What the deployed BPMN says about its routine, in the application's terms.

Nothing in Python names one routine's element ids or keys: the intake task, the manager's follow-ups,
when a request counts as answered, the business key prefix, who may start a case, which process the
public portal and Open311 start, and which lane goes to which group are all properties an analyst
sets in the modeler (engine.routine, docs/routines.md). This module reads them from the parsed bundle
of a version, which is cached, so reading them costs nothing per step.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import (
    FIELD_PROPERTIES,
    ROLE_FOLLOW_UP,
    ROLE_INTAKE,
    ProcessBundle,
    evaluate_expression,
    is_true,
    split_groups,
)

from .errors import NotFound
from .lanes import LaneRule
from .models import Case, ProcessVersion
from .runtime import bundle_for
from .texts import Text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Routine:
    """The OneStop properties of one process version (see docs/routines.md)."""

    key: str
    business_key_prefix: str
    start_groups: tuple[str, ...] = ()
    citizen_channel: bool = False
    category_field: str | None = None
    # Which field of the case's data plays which part (engine.routine.FIELD_PROPERTIES); None: no such part.
    citizen_name_field: str | None = None
    citizen_email_field: str | None = None
    channel_field: str | None = None
    description_field: str | None = None
    first_contact_field: str | None = None
    kb_article_field: str | None = None
    office_field: str | None = None
    due_field: str | None = None
    answer_field: str | None = None
    question_field: str | None = None
    reply_field: str | None = None
    intake_element: str | None = None
    follow_up_elements: tuple[str, ...] = ()
    answered_when: Mapping[str, str] = field(default_factory=dict)  # element id -> expression
    info_request_when: Mapping[str, str] = field(default_factory=dict)  # element id -> expression
    lanes: Mapping[str, LaneRule] = field(default_factory=dict)  # lane name -> the lane's own group

    def is_answer(self, element_id: str, form_data: Mapping[str, Any] | None) -> bool:
        """Whether completing `element_id` with `form_data` answers the request (its `answered_when`).

        The expression was compiled at deploy; one that fails on this data (a field the form did not
        send) means "not answered", logged, rather than a failed step for the person completing it."""
        return self._holds("answered_when", self.answered_when.get(element_id), element_id, form_data)

    def is_info_request(self, element_id: str, form_data: Mapping[str, Any] | None) -> bool:
        """Whether completing `element_id` with `form_data` asks the citizen for more information
        (its `info_request_when`); failing like `is_answer`."""
        return self._holds("info_request_when", self.info_request_when.get(element_id), element_id, form_data)

    def _holds(self, name: str, expression: str | None, element_id: str,
               form_data: Mapping[str, Any] | None) -> bool:
        if expression is None:
            return False
        try:
            return bool(evaluate_expression(expression, dict(form_data or {})))
        except Exception as err:  # noqa: BLE001 - any failure of an analyst's expression is "no"
            log.warning("%s of %s in %s failed: %s", name, element_id, self.key, err)
            return False

    def data_for(self, **parts: Any) -> dict[str, Any]:
        """`parts` keyed by the fields the routine names for them: `data_for(channel="web")` is
        `{<channel_field>: "web"}`. A part the routine names no field for is left out."""
        found: dict[str, Any] = {}
        for part, value in parts.items():
            key = getattr(self, f"{part}_field")
            if key:
                found[key] = value
        return found

    def texts(self, data: Mapping[str, Any] | None) -> dict[str, str | None]:
        """The request's texts people read on the task and case pages, from the fields the routine names:
        description, article (knowledge base), question (for more information), reply, answer."""
        return dict(description=self.text(data, self.description_field), article=self.text(data, self.kb_article_field),
                    question=self.text(data, self.question_field), reply=self.text(data, self.reply_field),
                    answer=self.text(data, self.answer_field))

    @staticmethod
    def value(data: Mapping[str, Any] | None, key: str | None) -> Any:
        """The value of the field `key` (one of the *_field attributes) in `data`; None when the routine
        names no such field or the data does not have it."""
        return None if key is None or not data else data.get(key)

    @staticmethod
    def text(data: Mapping[str, Any] | None, key: str | None) -> str | None:
        """`value` as text, None when absent or empty."""
        found = Routine.value(data, key)
        return None if found is None or found == "" else str(found)


_routines: dict[tuple[str, str], Routine] = {}  # by process key and content hash, like the bundle cache


def _routine(bundle: ProcessBundle) -> Routine:
    props = bundle.properties
    return Routine(
        key=bundle.key,
        business_key_prefix=bundle.business_key_prefix,
        start_groups=tuple(split_groups(props.get("start_groups"))),
        citizen_channel=is_true(props.get("citizen_channel")),
        category_field=props.get("category_field") or None,
        **{name: (props.get(name) or "").strip() or None for name in FIELD_PROPERTIES},
        intake_element=bundle.element_with_role(ROLE_INTAKE),
        follow_up_elements=tuple(bundle.elements_with("role", ROLE_FOLLOW_UP)),
        answered_when={e: bundle.element_properties[e]["answered_when"]
                       for e in bundle.elements_with("answered_when")},
        info_request_when={e: bundle.element_properties[e]["info_request_when"]
                           for e in bundle.elements_with("info_request_when")},
        lanes={lane: LaneRule(p["group"].strip(), is_true(p.get("managers_only")))
               for lane, p in bundle.lane_properties.items() if p.get("group", "").strip()},
    )


def routine_of(bundle: ProcessBundle) -> Routine:
    """The routine properties of a parsed bundle (computed once per process version)."""
    cache_key = (bundle.key, bundle.content_hash)
    routine = _routines.get(cache_key)
    if routine is None:
        if len(_routines) > 256:  # a handful of versions a year; never let it grow without bound
            _routines.clear()
        routine = _routines[cache_key] = _routine(bundle)
    return routine


def version_routine(version: ProcessVersion) -> Routine:
    """The routine properties of a deployed version; parsed once, then kept even when the bundle cache
    has let the version go (the manager's page reads every version's follow-up tasks)."""
    cache_key = (version.key, version.content_hash)
    routine = _routines.get(cache_key)
    if routine is None:
        routine = _routines[cache_key] = routine_of(bundle_for(version))
    return routine


def case_routine(case: Case) -> Routine:
    """The properties of the version the case runs on: a later deployment does not change its past."""
    return version_routine(case.version)


_DEPLOYED = (select(ProcessVersion)
             .where(ProcessVersion.status == "deployed")
             .order_by(ProcessVersion.key, ProcessVersion.version.desc()))


def current_versions(session: Session) -> list[ProcessVersion]:
    """The newest deployed version of every process, by key."""
    newest: dict[str, ProcessVersion] = {}
    for version in session.scalars(_DEPLOYED):
        newest.setdefault(version.key, version)
    return list(newest.values())


def citizen_version(session: Session) -> ProcessVersion:
    """The current version of the process citizens' requests start (`citizen_channel`): the CSU's intake
    page, the public portal and Open311. NotFound when no deployed process takes them."""
    found = [v for v in current_versions(session) if version_routine(v).citizen_channel]
    if not found:
        raise NotFound(Text("no deployed process takes citizens' requests (set citizen_channel on one)"))
    # Deploying refuses a second one; should a rollback bring two back, the newest deployment wins.
    return max(found, key=lambda v: (v.deployed_at is not None, v.deployed_at, v.id))


def citizen_channel_clash(session: Session, keys: set[str]) -> str | None:
    """The key of a deployed process other than `keys` that already takes citizens' requests."""
    for version in current_versions(session):
        if version.key not in keys and version_routine(version).citizen_channel:
            return version.key
    return None


def follow_up_elements(session: Session) -> dict[str, set[str]]:
    """Element ids with role follow_up by process key, in every version that may have open tasks."""
    found: dict[str, set[str]] = {}
    for version in session.scalars(select(ProcessVersion).where(ProcessVersion.status != "draft")):
        elements = version_routine(version).follow_up_elements
        if elements:
            found.setdefault(version.key, set()).update(elements)
    return found
