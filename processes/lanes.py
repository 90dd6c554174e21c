"""Which group works on a task: the lane of the task, resolved against the case data.

A lane maps either to a fixed group (`csu`) or to a case variable (`=office`, the office the
routing table chose), optionally for that group's managers only. The analyst sets this on the lane
in the modeler (properties `group` and `managers_only`, see processes.routines); an administrator's
mapping in `lane_mappings` overrides it; a lane with neither maps to the group of the same name in
snake case, so an analyst can add a lane "Waste" without code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import LaneMapping


@dataclass(frozen=True)
class LaneRule:
    group: str
    managers_only: bool = False


NO_RULES: Mapping[str, LaneRule] = {}

_LANE_MAPPINGS = select(LaneMapping.lane, LaneMapping.group_name, LaneMapping.managers_only)


def stored_lane_rules(session: Session) -> dict[str, LaneRule]:
    """The lane mapping administrators keep in `lane_mappings` (empty while they have set none)."""
    rows = session.execute(_LANE_MAPPINGS).all()
    return {lane: LaneRule(group, managers_only) for lane, group, managers_only in rows}


def lane_rules(session: Session, defaults: Mapping[str, LaneRule] = NO_RULES) -> Mapping[str, LaneRule]:
    """The process's own lane rules (`defaults`, from its BPMN), overridden by the stored mapping."""
    stored = stored_lane_rules(session)
    return {**defaults, **stored} if stored else defaults


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def resolve_lane(
    lane: str | None, data: Mapping[str, Any], rules: Mapping[str, LaneRule] = NO_RULES
) -> tuple[str | None, bool]:
    """(group name, managers only) for a task in `lane` of a case with `data`."""
    if not lane:
        return None, False
    rule = rules.get(lane) or LaneRule(slug(lane))
    if rule.group.startswith("="):
        value = data.get(rule.group[1:])
        return (str(value) if value else None), rule.managers_only
    return rule.group, rule.managers_only
