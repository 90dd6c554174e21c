"""Inbox rows as the page shows them: texts made once in Python, so the template loop stays cheap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from flask_babel import gettext as _

from processes.inbox import InboxRow, Visibility

from .wording import category_label, task_name


@dataclass(frozen=True)
class Ages:
    """Translated age units, looked up once per request rather than once per row."""

    days: str
    hours: str
    minutes: str

    @classmethod
    def translated(cls) -> Ages:
        return cls(_("{n} d"), _("{n} h"), _("{n} min"))

    def since(self, moment: datetime | None, now: datetime) -> str:
        """How long ago, in the largest whole unit: '3 d', '5 h', '12 min'."""
        if moment is None:
            return ""
        minutes = max(int((now - moment).total_seconds() // 60), 0)
        if minutes >= 1440:
            return self.days.format(n=minutes // 1440)
        if minutes >= 60:
            return self.hours.format(n=minutes // 60)
        return self.minutes.format(n=minutes)


def local_text(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


@dataclass(frozen=True)
class RowView:
    id: int
    name: str
    case_ref: str
    summary: str
    category: str
    citizen: str
    office: str
    assignee: str  # a display name; '' when unclaimed
    mine: bool
    due: str  # local time; '' when undated
    due_iso: str
    overdue: bool
    age: str
    action: str | None  # 'claim', 'unclaim' or None
    selectable: bool  # a manager of its group may reassign it


def present(rows: list[InboxRow], vis: Visibility, now: datetime, zone: tzinfo) -> list[RowView]:
    ages = Ages.translated()
    views = []
    for row in rows:
        managed = row.group_name in vis.managed
        mine = row.assignee_id == vis.user_id
        action = "claim" if row.assignee_id is None else ("unclaim" if mine or managed else None)
        summary = row.summary or ""
        views.append(RowView(
            id=row.id, name=task_name(row), case_ref=row.case_ref or "",
            summary=summary if len(summary) <= 70 else summary[:67].rstrip() + "…",
            category=category_label(row.category, row.process_key), citizen=row.citizen_name or "",
            office=vis.titles.get(row.group_name or "", row.group_name or ""), assignee=row.assignee_name or "",
            mine=mine, due=local_text(row.due_at, zone), due_iso=row.due_at.isoformat() if row.due_at else "",
            overdue=row.overdue, age=ages.since(row.created_at, now), action=action, selectable=managed,
        ))
    return views
