"""Back-office and citizen figures: time to the answer in working days, lateness, escalations, the
open backlog by age, and satisfaction survey scores.

"Answered" means an office completed a task whose `answered_when` expression (set in the modeler,
docs/routines.md) holds for what it sent: that is when the answer goes to the citizen. Its office is
the group that answered, which after a misroute is not the first one. Both are kept on the case
(answered_at, answered_by: processes/case_facts.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Date, Integer, Select, bindparam, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping

from .metrics_filters import Filters, case_conditions, of_requests_received
from .models import Case, SurveyResponse, Task
from .runtime import calendar
from .stats import WorkingDayIndex, is_postgresql, percentile

# Age buckets of the backlog in whole calendar days since receipt: 0-2, 3-7, 8-14, 15-30, over 30.
BACKLOG_BUCKETS = (2, 7, 14, 30, None)


@dataclass
class AnswerRow:
    """Requests one office answered, in working days from receipt, against the promised deadline."""

    office: str
    answered: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    promised_days: float | None = None  # median working days from receipt to the deadline
    late: int = 0
    escalations: int = 0  # deadlines that passed with the request still in the office

    @property
    def late_rate(self) -> float | None:
        return self.late / self.answered if self.answered else None


@dataclass
class BacklogRow:
    """Requests waiting in one office now, by their age since receipt (calendar days)."""

    office: str
    buckets: list[int] = field(default_factory=lambda: [0] * len(BACKLOG_BUCKETS))
    overdue: int = 0

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass
class SurveyRow:
    office: str
    scores: list[int] = field(default_factory=lambda: [0] * 5)  # how many gave 1, 2, 3, 4, 5

    @property
    def responses(self) -> int:
        return sum(self.scores)

    @property
    def average(self) -> float | None:
        return sum((i + 1) * n for i, n in enumerate(self.scores)) / self.responses if self.responses else None


def answers(session: Session, filters: Filters, offices: list[str] | None) -> tuple[list[AnswerRow], AnswerRow]:
    """Per office: answered requests, median and 90th percentile working days, share late."""
    escalations = _escalations(session, filters, offices)
    if is_postgresql(session) and filters.start is not None:
        found, total = _answers_in_database(session, filters, offices)
    else:
        found, total = _answers_here(session, filters, offices)
    rows = [found.get(office, AnswerRow(office=office)) for office in sorted(set(found) | set(escalations))]
    for row in rows:
        row.escalations = escalations.get(row.office, 0)
    total.escalations = sum(escalations.values())
    return rows, total


def _answered(filters: Filters, offices: list[str] | None, *columns: Any) -> Select[Any]:
    query = select(*columns).where(Case.answered_at.is_not(None), *case_conditions(filters))
    return query.where(Case.answered_by.in_(offices)) if offices is not None else query


def _answers_here(session: Session, filters: Filters, offices: list[str] | None
                  ) -> tuple[dict[str, AnswerRow], AnswerRow]:
    """Working days counted in Python (SQLite cannot tell local dates in another time zone)."""
    answered = session.execute(_answered(filters, offices, Case.answered_by, Case.created_at, Case.answered_at,
                                         Case.due_at)).all()
    index = WorkingDayIndex.spanning(calendar(), [m for row in answered for m in row[1:] if m is not None])
    spans: dict[str, list[tuple[int, int | None, bool]]] = defaultdict(list)
    for office, received, done, due in answered:
        assert done is not None  # answered
        promised = index.between(received, due) if due is not None else None
        spans[office or "-"].append((index.between(received, done), promised, due is not None and done > due))
    rows = {office: _answer_row(office, values) for office, values in spans.items()}
    return rows, _answer_row("", [s for values in spans.values() for s in values])


def _answers_in_database(session: Session, filters: Filters, offices: list[str] | None
                         ) -> tuple[dict[str, AnswerRow], AnswerRow]:
    """The same figures computed by PostgreSQL: a cumulative count of working days per local date
    goes in as an array, so a span is two look-ups, and no answered request leaves the database."""
    assert filters.start is not None
    first = filters.start - timedelta(days=1)
    last = max(filters.end or first, calendar().local_date(datetime.now(UTC))) + timedelta(days=3 * 366)
    index = WorkingDayIndex(calendar(), first, last)
    # Parenthesised: PostgreSQL reads $1::INTEGER[][2] as a cast to a two-dimensional type.
    counts = Grouping(bindparam("working_day_counts", index.counts(), type_=ARRAY(Integer)))
    zone = calendar().zone.key

    def days(start: Any, end: Any) -> ColumnElement[int]:
        def position(moment: Any) -> ColumnElement[int]:
            offset = cast(func.timezone(zone, moment), Date) - first
            return func.least(func.greatest(offset + 1, 1), last.toordinal() - first.toordinal() + 1)
        return func.greatest(0, counts[position(end)] - counts[position(start)])

    spent, promised = days(Case.created_at, Case.answered_at), days(Case.created_at, Case.due_at)
    query = _answered(filters, offices, Case.answered_by, func.grouping(Case.answered_by), func.count(),
                      func.percentile_disc(0.5).within_group(spent), func.percentile_disc(0.9).within_group(spent),
                      func.percentile_disc(0.5).within_group(promised),
                      func.sum(case((Case.answered_at > Case.due_at, 1), else_=0)))
    rows: dict[str, AnswerRow] = {}
    total = AnswerRow(office="")
    for office, grouped, n, median, p90, due, late in session.execute(query.group_by(func.rollup(Case.answered_by))):
        row = AnswerRow(office="" if grouped else office or "-", answered=n, median_days=_days(median),
                        p90_days=_days(p90), promised_days=_days(due), late=int(late or 0))
        if grouped:
            total = row
        else:
            rows[row.office] = row
    return rows, total


def _days(value: Any) -> float | None:
    return float(value) if value is not None else None


def _answer_row(office: str, spans: list[tuple[int, int | None, bool]]) -> AnswerRow:
    days = [float(d) for d, _, _ in spans]
    promised = [float(p) for _, p, _ in spans if p is not None]
    return AnswerRow(office=office, answered=len(spans), median_days=percentile(days, 0.5),
                     p90_days=percentile(days, 0.9), promised_days=percentile(promised, 0.5),
                     late=sum(1 for _, _, late in spans if late))


def _escalations(session: Session, filters: Filters, offices: list[str] | None) -> dict[str, int]:
    query = of_requests_received(select(Task.group_name, func.count()).where(Task.arrived_as == "escalated"),
                                 filters).group_by(Task.group_name)
    if offices is not None:
        query = query.where(Task.group_name.in_(offices))
    return {office or "-": n for office, n in session.execute(query)}


def backlog(session: Session, filters: Filters, offices: list[str], now: datetime) -> list[BacklogRow]:
    """Office tasks open now, by the age of their request. The period does not apply: it is today's
    backlog, of the chosen category and channel."""
    whens = [(Case.created_at > now - timedelta(days=days + 1), i) for i, days in enumerate(BACKLOG_BUCKETS)
             if days is not None]
    bucket = case(*whens, else_=len(BACKLOG_BUCKETS) - 1)
    overdue = func.sum(case((Task.due_at < now, 1), else_=0))
    now_only = Filters(category=filters.category, channel=filters.channel)
    query = (
        select(Task.group_name, bucket, func.count(), overdue).join(Case, Case.id == Task.case_id)
        .where(Task.status == "open", Task.managers_only.is_(False), Task.group_name.in_(offices),
               *case_conditions(now_only))
        .group_by(Task.group_name, bucket)
    )
    rows: dict[str, BacklogRow] = {}
    for office, index, count, late in session.execute(query):
        row = rows.setdefault(office, BacklogRow(office=office))
        row.buckets[int(index)] += count
        row.overdue += int(late or 0)
    return [rows[office] for office in sorted(rows)]


def surveys(session: Session, filters: Filters, offices: list[str] | None) -> list[SurveyRow]:
    """Satisfaction scores (1-5) per office that answered, for the period's requests."""
    query = (select(SurveyResponse.office, SurveyResponse.score, func.count())
             .join(Case, Case.id == SurveyResponse.case_id)
             .where(SurveyResponse.score.between(1, 5), *case_conditions(filters))
             .group_by(SurveyResponse.office, SurveyResponse.score))
    if offices is not None:
        query = query.where(SurveyResponse.office.in_(offices))
    rows: dict[str, SurveyRow] = {}
    for office, score, count in session.execute(query):
        rows.setdefault(office or "-", SurveyRow(office=office or "-")).scores[int(score) - 1] += count
    return [rows[office] for office in sorted(rows)]
