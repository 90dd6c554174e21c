"""The lane -> group mapping administrators edit in the browser (see processes.lanes).

A stored lane overrides what the deployed BPMN says about the lane (its `group` property); removing it
brings the diagram's rule back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .admin import require_admin
from .db import utcnow
from .errors import InvalidFormData, NotFound
from .models import Group, LaneMapping, User
from .routines import current_versions, version_routine
from .texts import Text

VARIABLE = re.compile(r"=[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class LaneRow:
    """One lane as the page shows it; `id` is None for a lane as a deployed process defines it."""

    id: int | None
    lane: str
    group: str
    managers_only: bool


def list_lane_mappings(session: Session, actor: User | None) -> tuple[list[LaneRow], bool]:
    """(rows, none stored): the stored lanes, then the lanes the deployed processes define that no
    stored lane overrides (id None), by lane name."""
    require_admin(actor)
    stored = session.scalars(select(LaneMapping).order_by(LaneMapping.lane)).all()
    rows = {r.lane: LaneRow(r.id, r.lane, r.group_name, r.managers_only) for r in stored}
    for version in current_versions(session):
        for lane, rule in version_routine(version).lanes.items():
            rows.setdefault(lane, LaneRow(None, lane, rule.group, rule.managers_only))
    return sorted(rows.values(), key=lambda row: row.lane), not stored


def _check(session: Session, lane: str, group: str) -> None:
    errors: dict[str, str] = {}
    if not lane or len(lane) > 100:
        errors["lane"] = Text("the lane name as written in the diagram (1-100 characters)")
    if group.startswith("="):
        if not VARIABLE.fullmatch(group):
            errors["group"] = Text("'=' must be followed by a case variable name, e.g. =office")
    elif session.scalars(select(Group).where(Group.name == group)).first() is None:
        errors["group"] = Text("no group '%(group)s'", group=group)
    if errors:
        raise InvalidFormData(errors)


def save_lane_mapping(session: Session, actor: User | None, lane: str, group: str, *, managers_only: bool,
                      now: datetime | None = None) -> LaneMapping:
    """Tasks in `lane` go to `group` (or to the group named by a case variable, `=office`)."""
    require_admin(actor)
    now = now or utcnow()
    lane, group = lane.strip(), group.strip()
    _check(session, lane, group)
    row = session.scalars(select(LaneMapping).where(LaneMapping.lane == lane)).first()
    if row is None:
        row = LaneMapping(lane=lane)
        session.add(row)
    row.group_name, row.managers_only = group, managers_only
    row.updated_at, row.updated_by_id = now, actor.id if actor else None
    session.flush()
    events.record(session, "lane_mapping_set", at=now, actor=actor, lane=lane, group=group,
                  managers_only=managers_only)
    return row


def delete_lane_mapping(session: Session, actor: User | None, mapping_id: int, *,
                        now: datetime | None = None) -> None:
    """Forget one lane: its tasks then go where the diagram says, or to the group named like the lane."""
    require_admin(actor)
    now = now or utcnow()
    row = session.get(LaneMapping, mapping_id)
    if row is None:
        raise NotFound(Text("lane mapping %(mapping_id)s not found", mapping_id=mapping_id))
    session.delete(row)
    session.flush()
    events.record(session, "lane_mapping_removed", at=now, actor=actor, lane=row.lane)
