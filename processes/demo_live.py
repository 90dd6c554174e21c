"""A year of demo requests: the finished ones written as history, the open ones run on the engine.

Requests still open now go through the real operations (start_case, complete_task, claim_task,
fire_due_timers, submit_survey) at their planned moments, so their state is real and people can
work on them. Everything that was over before now is written in bulk by demo_history.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from . import events
from .cases import current_version, start_case
from .db import utcnow
from .demo_history import Cast, HistoryWriter, intake_form, outcome_form
from .demo_plans import Plan, Planner
from .errors import DomainError
from .heatmap import bpmn_elements, bpmn_source
from .models import Article, Case, Task, User
from .runtime import calendar
from .surveys import submit_survey
from .tasks import claim_task, complete_task
from .timers import fire_due_timers

FIRST_NAMES = ("Alva", "Nils", "Sara", "Omar", "Elin", "Karl", "Leila", "Johan", "Ines", "Tove", "Ahmed", "Maja",
               "Lars", "Fatima", "Erik", "Sofia", "Mohammed", "Anna", "Per", "Zeynep")
LAST_NAMES = ("Berg", "Ek", "Lind", "Haddad", "Sjö", "Nyström", "Amini", "Holm", "Falk", "Strand", "Johansson",
              "Karlsson", "Nilsson", "Eriksson", "Larsson", "Öberg", "Yilmaz", "Andersson")
CITIZENS = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
PROCESS_KEY = "citizen_request"


class LiveCase:
    """Runs one plan's steps up to `now` through the real operations."""

    def __init__(self, session: Session, plan: Plan, cast: Cast, articles: dict[str, int], now: datetime):
        self.session, self.plan, self.cast, self.articles = session, plan, cast, articles
        self.case: Case | None = None
        self.officer: User = cast.stand_in
        for at, action, index in plan.steps():
            if at > now:
                break
            getattr(self, f"_{action}")(at, index)

    def _open(self, element_id: str) -> Task | None:
        assert self.case is not None
        return self.session.scalars(select(Task).where(Task.case_id == self.case.id, Task.status == "open",
                                                       Task.element_id == element_id).order_by(Task.id)).first()

    def _start(self, at: datetime, _: int) -> None:
        self.case = start_case(self.session, self.cast.csu, PROCESS_KEY, {"channel": self.plan.channel}, now=at)

    def _intake(self, at: datetime, _: int) -> None:
        plan, csu, task = self.plan, self.cast.csu, self._open("intake")
        article_id = self.articles.get(plan.article or "")
        if article_id is not None and plan.article_helped is not None:
            kind = "kb_helpful" if plan.article_helped else "kb_not_helpful"
            events.record(self.session, kind, at=at, case=self.case if plan.article_helped else None, actor=csu,
                          article_id=article_id)
        if task is not None:
            complete_task(self.session, csu, task.id, intake_form(plan), now=at)

    def _claim(self, at: datetime, index: int) -> None:
        task = self._open("handle_request")
        if task is not None:
            self.officer = self.cast.officer(task.group_name or "", index + len(self.plan.description))
            claim_task(self.session, self.officer, task.id, now=at)

    def _complete(self, at: datetime, index: int) -> None:
        task = self._open("handle_request")
        if task is not None:
            complete_task(self.session, self.officer, task.id, outcome_form(self.plan.visits[index]), now=at)

    def _reply(self, at: datetime, _: int) -> None:
        task = self._open("contact_citizen")
        if task is not None:
            complete_task(self.session, self.cast.csu, task.id, {"citizen_reply": "Yes, here are the details."},
                          now=at)

    def _escalate(self, at: datetime, _: int) -> None:
        fire_due_timers(self.session, now=at)

    def _follow_up(self, at: datetime, _: int) -> None:
        task = self._open("follow_up_overdue")
        if task is not None:
            complete_task(self.session, self.cast.manager(task.group_name or ""), task.id,
                          {"action": "reminded_officer", "follow_up_note": "Reminded the officer."}, now=at)

    def _survey(self, at: datetime, _: int) -> None:
        assert self.case is not None and self.plan.survey is not None
        # Not answered in this run after all: then the citizen could not answer the survey either.
        with contextlib.suppress(DomainError):
            submit_survey(self.session, self.case.tracking_token or "", self.plan.survey[1], now=at)


def demo_cast(users: dict[str, User]) -> Cast:
    """The demo people (processes.demo.PEOPLE) in their parts."""
    officers: dict[str, list[User]] = {}
    for login, office in (("officer", "streets_parks"), ("manager", "streets_parks"), ("waste_officer", "waste"),
                          ("permits_officer", "building_permits"), ("social_officer", "social_services"),
                          ("school_officer", "education")):
        if login in users:
            officers.setdefault(office, []).append(users[login])
    managers = {"streets_parks": users["manager"]} if "manager" in users else {}
    return Cast(csu=users["csu"], officers=officers, managers=managers, stand_in=users["admin"])


def seed_year(session: Session, users: dict[str, User], count: int, *, seed: int = 7, days: int = 365,
              now: datetime | None = None, progress: Callable[[int], None] | None = None) -> int:
    """`count` requests received over the last `days`: history for the finished, engine for the open."""
    now = now or utcnow()
    version = current_version(session, PROCESS_KEY)
    # The demo's requests are written in English: its agents answer them from the English articles.
    english = select(Article.title, Article.id, Article.category).where(
        or_(Article.language.is_(None), Article.language == "en")).order_by(Article.id)
    rows = session.execute(english).all()
    articles = {title: article_id for title, article_id, _ in rows}
    by_category: dict[str, list[str]] = {}
    for title, _, category in rows:
        by_category.setdefault(category or "", []).append(title)
    planner = Planner(random.Random(seed), calendar(), by_category, CITIZENS)
    plans = sorted((planner.plan(now, days) for _ in range(count)), key=lambda p: p.received)
    cast = demo_cast(users)
    writer = HistoryWriter(session, version, cast, bpmn_elements(bpmn_source(version)), articles)
    for n, plan in enumerate(plans, 1):
        if plan.finished_at <= now:
            writer.add(plan)
        else:
            LiveCase(session, plan, cast, articles, now)
        if progress:
            progress(n)
    writer.flush()
    while fire_due_timers(session, now=now):
        pass
    _count_votes(session, plans, articles, now)
    session.flush()
    return count


def _count_votes(session: Session, plans: list[Plan], articles: dict[str, int], now: datetime) -> None:
    """The articles' vote counters, by the votes the plans cast (before now)."""
    votes = Counter((p.article or "", p.article_helped) for p in plans
                    if p.article_helped is not None and p.intake_done <= now)
    for (title, helped), n in votes.items():
        column = Article.helpful_count if helped else Article.not_helpful_count
        if title in articles:
            session.execute(update(Article).where(Article.id == articles[title]).values({column: column + n}))
