"""The dashboard's figures, read from the case and task tables (the columns kept for them as requests
move: processes/case_facts.py, processes/projection.py), and the knowledge-base votes from the log.

Everything is about the requests received in the chosen period (see metrics_filters). The database
does the counting; Python only sees bounded lists (one row per hand-over or per answered request)
where a figure needs per-request durations: hours to pickup, working days to the answer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session

from .db import utcnow
from .metrics_filters import (
    Choices,
    Filters,
    case_conditions,
    filter_choices,
    of_requests_received,
    scoped,
    visible_offices,
)
from .metrics_office import AnswerRow, BacklogRow, SurveyRow, answers, backlog, surveys
from .models import Article, Case, Event, Task, User
from .stats import Spread, seconds_between, spread_by_group


@dataclass
class ChannelRow:
    channel: str
    requests: int
    first_contact: int
    kb_used: int


@dataclass
class FrontOffice:
    """Requests by channel; the rates are None where they cannot be told (nothing to divide by,
    or an office filter: requests resolved at first contact never reach an office)."""

    channels: list[ChannelRow]
    requests: int
    first_contact_rate: float | None
    kb_use_rate: float | None
    kb_votes: int
    kb_not_helpful_rate: float | None


@dataclass
class HandoffRow:
    """Hand-overs from the CSU to one office, how fast it picked them up, and what came back."""

    office: str
    handovers: int = 0
    waiting: int = 0  # handed over and not yet picked up
    pickup_median_hours: float | None = None
    pickup_p90_hours: float | None = None
    cases: int = 0
    rerouted_cases: int = 0  # handed to this office but belonged to another (misroutes)
    returned_cases: int = 0  # sent back to the CSU for more information at least once
    returns: int = 0

    @property
    def reroute_rate(self) -> float | None:
        return self.rerouted_cases / self.cases if self.cases else None

    @property
    def return_rate(self) -> float | None:
        return self.returned_cases / self.cases if self.cases else None


@dataclass
class Dashboard:
    filters: Filters
    choices: Choices
    offices: list[str] | None  # the offices covered; None: all
    front: FrontOffice
    handoff: list[HandoffRow]
    handoff_total: HandoffRow
    answers: list[AnswerRow]
    answers_total: AnswerRow
    backlog: list[BacklogRow]
    surveys: list[SurveyRow]


def dashboard(session: Session, actor: User | None, filters: Filters, *, now: datetime | None = None,
              choices: Choices | None = None) -> Dashboard:
    """Every figure of the dashboard for `filters`, limited to the offices `actor` may see.

    `choices` may pass on the filter choices already read for the same actor."""
    now = now or utcnow()
    visible = visible_offices(session, actor)
    offices = scoped(filters, visible)
    choices = choices or filter_choices(session, visible)
    office_names = offices if offices is not None else [name for name, _ in choices.offices]
    handoff_rows, handoff_total = handoff(session, filters, offices)
    answer_rows, answer_total = answers(session, filters, offices)
    return Dashboard(
        filters=filters, choices=choices, offices=offices,
        front=front_office(session, filters, offices),
        handoff=handoff_rows, handoff_total=handoff_total,
        answers=answer_rows, answers_total=answer_total,
        backlog=backlog(session, filters, office_names, now),
        surveys=surveys(session, filters, offices),
    )


def front_office(session: Session, filters: Filters, offices: list[str] | None) -> FrontOffice:
    """Requests per channel, first-contact resolution, knowledge-base use and its votes."""
    rows = session.execute(
        select(Case.channel, func.count(), func.sum(case((Case.resolved_on_first_contact, 1), else_=0)),
               func.sum(case((Case.kb_article.is_not(None), 1), else_=0)))
        .where(*case_conditions(filters, offices)).group_by(Case.channel).order_by(func.count().desc())
    )
    channels = [ChannelRow(channel or "-", n, int(fcr or 0), int(kb or 0)) for channel, n, fcr, kb in rows]
    requests = sum(row.requests for row in channels)
    votes, not_helpful = _kb_votes(session, filters) if offices is None else (0, 0)
    return FrontOffice(
        channels=channels, requests=requests,
        first_contact_rate=(sum(r.first_contact for r in channels) / requests
                            if requests and offices is None else None),
        kb_use_rate=sum(r.kb_used for r in channels) / requests if requests else None,
        kb_votes=votes, kb_not_helpful_rate=not_helpful / votes if votes else None,
    )


def _kb_votes(session: Session, filters: Filters) -> tuple[int, int]:
    """(votes, 'did not help' votes) on knowledge-base articles in the period.

    Votes are not tied to a request, so only the category filter (the article's) applies."""
    lo, hi = filters.bounds()
    query = select(Event.kind, func.count()).where(Event.kind.in_(("kb_helpful", "kb_not_helpful")))
    if lo is not None and hi is not None:
        query = query.where(Event.at >= lo, Event.at < hi)
    if filters.category:
        query = query.join(Article, Article.id == Event.details["article_id"].as_integer()).where(
            Article.category == filters.category)
    counts: dict[str, int] = {kind: n for kind, n in session.execute(query.group_by(Event.kind))}
    return counts.get("kb_helpful", 0) + counts.get("kb_not_helpful", 0), counts.get("kb_not_helpful", 0)


def handoff(session: Session, filters: Filters, offices: list[str] | None) -> tuple[list[HandoffRow], HandoffRow]:
    """Per office: hand-overs, hours from hand-over to first pickup, misroutes and returns."""
    pickups, overall = spread_by_group(session, _pickups(session, filters, offices))
    sent_back = _sent_back(session, filters, offices)
    rows = [_handoff_row(office, pickups.get(office, Spread()), sent_back.get(office, []))
            for office in sorted(set(pickups) | set(sent_back))]
    total = _handoff_row("", overall, [item for items in sent_back.values() for item in items])
    return rows, total


def _handoff_row(office: str, pickups: Spread, sent_back: list[tuple[str, int]]) -> HandoffRow:
    return HandoffRow(
        office=office, handovers=pickups.rows, waiting=pickups.rows - pickups.valued,
        pickup_median_hours=pickups.median, pickup_p90_hours=pickups.p90, cases=pickups.keys,
        rerouted_cases=len({case_id for kind, case_id in sent_back if kind == "rerouted"}),
        returned_cases=len({case_id for kind, case_id in sent_back if kind == "returned_to_csu"}),
        returns=sum(1 for kind, _ in sent_back if kind == "returned_to_csu"),
    )


def _pickups(session: Session, filters: Filters, offices: list[str] | None) -> Subquery:
    """(office, case, hours from hand-over to first pickup or NULL) for every hand-over of a request.

    The task a hand-over created carries both moments: its creation and its first pickup."""
    hours = seconds_between(session, Task.created_at, Task.picked_up_at) / 3600.0
    query = of_requests_received(
        select(Task.group_name.label("office"), Task.case_id.label("case_id"), hours.label("hours"))
        .where(Task.arrived_as == "handed_over", Task.managers_only.is_(False)), filters)
    if offices is not None:
        query = query.where(Task.group_name.in_(offices))
    return query.subquery()


def _sent_back(session: Session, filters: Filters, offices: list[str] | None) -> dict[str, list[tuple[str, int]]]:
    """{office: [(kind, case)]} for misroutes and returns to the CSU, by the office that sent them."""
    query = of_requests_received(
        select(Task.arrived_from, Task.arrived_as, Task.case_id)
        .where(Task.arrived_as.in_(("rerouted", "returned_to_csu"))), filters)
    if offices is not None:
        query = query.where(Task.arrived_from.in_(offices))
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for office, kind, case_id in session.execute(query):
        found[office or "-"].append((kind or "", case_id))  # the WHERE clause makes kind one of the two
    return found
