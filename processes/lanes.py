"""Which group works on a task: the lane of the task, resolved against the case data.

A lane maps either to a fixed group (`csu`) or to a case variable (`=office`, the office the
routing table chose), optionally for that group's managers only. Lanes not listed map to the
group of the same name in snake case, so an analyst can add a lane "Waste" without code.
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


DEFAULT_LANES: dict[str, LaneRule] = {
    "CSU": LaneRule("csu"),
    "Office": LaneRule("=office"),
    "Office manager": LaneRule("=office", managers_only=True),
}


_LANE_MAPPINGS = select(LaneMapping.lane, LaneMapping.group_name, LaneMapping.managers_only)


def lane_rules(session: Session) -> Mapping[str, LaneRule]:
    """The lane mapping administrators keep in `lane_mappings`; DEFAULT_LANES while it is empty."""
    rows = session.execute(_LANE_MAPPINGS).all()
    if not rows:
        return DEFAULT_LANES
    return {lane: LaneRule(group, managers_only) for lane, group, managers_only in rows}


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def resolve_lane(
    lane: str | None, data: Mapping[str, Any], rules: Mapping[str, LaneRule] = DEFAULT_LANES
) -> tuple[str | None, bool]:
    """(group name, managers only) for a task in `lane` of a case with `data`."""
    if not lane:
        return None, False
    rule = rules.get(lane) or LaneRule(slug(lane))
    if rule.group.startswith("="):
        value = data.get(rule.group[1:])
        return (str(value) if value else None), rule.managers_only
    return rule.group, rule.managers_only
