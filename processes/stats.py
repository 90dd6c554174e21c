"""Small statistics helpers the metrics share: percentiles, SQL durations, fast working-day counts.

Percentiles are nearest-rank everywhere (the smallest value with at least p of the values at or
below it), in Python and in SQL alike, so a figure does not depend on where it was computed and a
median is always a value that really occurred.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, distinct, func, select
from sqlalchemy.orm import Session

from .calendar import WorkingCalendar


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of `values` (need not be sorted); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p * len(ordered)))
    return ordered[rank - 1]


def seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """SQL for the seconds from `start` to `end` (timestamp columns), on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        # date_part is float8 already; extract() is numeric since PostgreSQL 14, slower to sort.
        return cast(func.date_part("epoch", end - start), Float)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def sql_medians(session: Session, keyed: Select[Any, Any]) -> dict[Any, tuple[int, float | None]]:
    """{key: (rows, nearest-rank median of the non-NULL values)} of a `select(key, value)`, computed in
    the database; the median is None when a key has no value.

    Equal values are counted together before they are ranked: most steps of a process take no time
    at all, so the sort handles one row per distinct value instead of one per step. The same SQL runs
    on SQLite and PostgreSQL (NULLs, sorted first or last, add nothing to the running count)."""
    inner = keyed.subquery()
    tally = (select(inner.c[0].label("k"), inner.c[1].label("v"), func.count().label("n"))
             .group_by(inner.c[0], inner.c[1]).subquery())
    timed = case((tally.c.v.is_not(None), tally.c.n), else_=0)
    ranked = select(
        tally.c.k, tally.c.v,
        func.sum(tally.c.n).over(partition_by=tally.c.k).label("rows"),
        func.sum(timed).over(partition_by=tally.c.k).label("timed"),
        func.sum(timed).over(partition_by=tally.c.k, order_by=tally.c.v, rows=(None, 0)).label("upto"),
    ).subquery()
    middle = and_(ranked.c.v.is_not(None), ranked.c.upto * 2 >= ranked.c.timed)
    rows = session.execute(
        select(ranked.c.k, func.max(ranked.c.rows), func.min(case((middle, ranked.c.v)))).group_by(ranked.c.k))
    return {k: (int(n), None if median is None else float(median)) for k, n, median in rows}


class WorkingDayIndex:
    """`WorkingCalendar.working_days_between` for many spans at once: the calendar is asked once per
    day of the range, then each span costs two look-ups instead of a walk over its days."""

    def __init__(self, calendar: WorkingCalendar, first: date, last: date):
        self.calendar = calendar
        self.first, self.last = first, last
        self._count: dict[date, int] = {}  # working days from `first` (exclusive) to the day (inclusive)
        running, day = 0, first
        while day <= last:
            if day != first:
                running += calendar.is_working_day(day)
            self._count[day] = running
            day += timedelta(days=1)

    @classmethod
    def spanning(cls, calendar: WorkingCalendar, moments: Sequence[datetime]) -> WorkingDayIndex:
        """An index covering every local date of `moments`."""
        days = [calendar.local_date(m) for m in moments] or [date.today()]
        return cls(calendar, min(days), max(days))

    def counts(self) -> list[int]:
        """The running count for each day from `first` to `last` (0 for `first`)."""
        return [self._count[self.first + timedelta(days=i)] for i in range(len(self._count))]

    def between(self, start: datetime, end: datetime) -> int:
        """Working days after start's local date up to end's; 0 when end is not after start."""
        first, last = self.calendar.local_date(start), self.calendar.local_date(end)
        if last <= first:
            return 0
        if first in self._count and last in self._count:
            return self._count[last] - self._count[first]
        return self.calendar.working_days_between(start, end)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass
class Spread:
    """Rows of a group, how many had a value, distinct keys, and the nearest-rank median and p90."""

    rows: int = 0
    valued: int = 0
    keys: int = 0
    median: float | None = None
    p90: float | None = None


def spread_by_group(session: Session, sub: Any) -> tuple[dict[str, Spread], Spread]:
    """Spreads per group of a subquery with columns (group, key, value), and over all rows.

    PostgreSQL computes them (percentile_disc is nearest-rank, GROUP BY ROLLUP adds the total), so
    no row leaves the database; elsewhere the rows are summed up here, with the same definitions."""
    group, key, value = sub.c[0], sub.c[1], sub.c[2]
    if is_postgresql(session):
        rows = session.execute(select(
            group, func.grouping(group), func.count(), func.count(value), func.count(distinct(key)),
            func.percentile_disc(0.5).within_group(value), func.percentile_disc(0.9).within_group(value),
        ).group_by(func.rollup(group)))
        found = {(name, bool(total)): Spread(n, valued, keys, _float(p50), _float(p90))
                 for name, total, n, valued, keys, p50, p90 in rows}
        total = found.pop(next((k for k in found if k[1]), (None, True)), Spread())
        return {name or "-": spread for (name, _), spread in found.items()}, total
    by_group: dict[str, list[tuple[Any, float | None]]] = {}
    for name, row_key, row_value in session.execute(select(group, key, value)):
        by_group.setdefault(name or "-", []).append((row_key, row_value))
    every = [item for items in by_group.values() for item in items]
    return {name: _spread(items) for name, items in by_group.items()}, _spread(every)


def _spread(items: list[tuple[Any, float | None]]) -> Spread:
    values = [float(v) for _, v in items if v is not None]
    return Spread(len(items), len(values), len({k for k, _ in items}), percentile(values, 0.5), percentile(values, 0.9))


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None
