"""How many tasks each inbox filter would show: aggregates over the tasks a person sees, bounded.

Counting every visible task costs as much as the tasks an officer sees (tens of thousands at 100k
open tasks), so each visible branch (see processes.inbox.branches) is counted over at most
`cap` + 1 tasks, taken in due-date order from the same index range scan as the page (index-only).
As the due windows (overdue, today, this week) come first in that order, their counts stay exact
unless a branch hit the cap before leaving them; then they, like the group's total, are lower
bounds shown as "200+". The cost is at most branches x cap index entries, whatever the table holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from .inbox import DueWindows, InboxFilters, Visibility, visibility
from .inbox_sql import DUE_FILTERS, counts_statement, plan
from .models import User

COUNT_CAP = 200


@dataclass
class InboxCounts:
    """Counts keyed "scope:all|mine|unclaimed", "group:NAME" and "due:overdue|today|week";
    a key in `at_least` is a lower bound."""

    found: Counter[str] = field(default_factory=Counter)
    at_least: set[str] = field(default_factory=set)

    def label(self, kind: str, key: str) -> str:
        name = f"{kind}:{key}"
        return f"{self.found[name]}+" if name in self.at_least else str(self.found[name])


def inbox_counts(session: Session, actor: User, *, now: datetime, zone: tzinfo, vis: Visibility | None = None,
                 cap: int = COUNT_CAP) -> InboxCounts:
    """Counts of `actor`'s visible open tasks (scope 'all', no other filter), so each option shows its size."""
    vis = vis or visibility(session, actor)
    windows = DueWindows.at(now, zone)
    counts = InboxCounts()
    branches, params = plan(vis, InboxFilters())
    if not branches:
        return counts
    per_branch: dict[int, list[Row[Any]]] = {}
    for row in session.execute(counts_statement(branches), {**params, **windows.params(), "cap": cap + 1}):
        per_branch.setdefault(int(row.branch), []).append(row)
    for rows in per_branch.values():
        _add_branch(counts, rows, cap, windows)
    return counts


def _add_branch(counts: InboxCounts, rows: list[Row[Any]], cap: int, windows: DueWindows) -> None:
    """Add one branch's sample (a row per group). The sample runs in due order, so where it hit the
    cap, the due windows it had already left are exact and everything else is a lower bound."""
    capped = sum(row.n for row in rows) > cap
    # The sample's extra row, the last one, only says there are more: 200+, not 201+.
    extra = max(rows, key=lambda row: (row.undated > 0, row.last_due or windows.now)) if capped else None
    for row in rows:
        counts.found.update(_row_counts(row, windows, without_last=row is extra))
    if not capped:
        return
    counts.at_least.update(f"group:{row.group_name or ''}" for row in rows)
    counts.at_least.update({"scope:all", "scope:mine" if any(row.mine for row in rows) else "scope:unclaimed"})
    last_due = max((row.last_due for row in rows if row.last_due is not None), default=None)
    left_behind = {"overdue": windows.now, "today": windows.end_of_today, "week": windows.end_of_week}
    for name, end in left_behind.items():
        if not (any(row.undated for row in rows) or last_due is not None and last_due >= end):
            counts.at_least.add(f"due:{name}")


def _row_counts(row: Row[Any], windows: DueWindows, *, without_last: bool) -> Counter[str]:
    group = f"group:{row.group_name or ''}"
    found = Counter({"scope:all": row.n, "scope:mine": row.mine, "scope:unclaimed": row.unclaimed, group: row.n,
                     **{f"due:{name}": getattr(row, name) for name in DUE_FILTERS}})
    if without_last:  # the last row in due order: undated if any, else the one due last; owner known if uniform
        found.subtract({"scope:all": 1, group: 1, "scope:mine": row.mine == row.n,
                        "scope:unclaimed": row.unclaimed == row.n})
        if not row.undated and row.last_due is not None:
            found.subtract({f"due:{name}": 1 for name in DUE_FILTERS if windows.contains(name, row.last_due)})
    return found
