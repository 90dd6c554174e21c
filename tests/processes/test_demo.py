"""Demo data: the bulk-written history is what the engine would have written, and a year of it
looks like a municipality's year.

Dated in 2036 because the engine still reads the wall clock for deadline timers (see test_metrics).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import current_version
from processes.demo import ARTICLES, ARTICLES_SV, seed_articles, seed_people
from processes.demo_history import HistoryWriter
from processes.demo_live import LiveCase, demo_cast, seed_year
from processes.demo_permits import seed_permit_applications
from processes.demo_plans import Plan, Planner
from processes.demo_showcase import seed_showcase
from processes.heatmap import bpmn_elements, bpmn_source
from processes.metrics import dashboard
from processes.metrics_filters import Filters
from processes.models import Article, Case, Event, SurveyResponse, Task, User
from processes.runtime import calendar

NOW = datetime(2036, 6, 1, 12, tzinfo=UTC)
KINDS = ("first_contact", "resolved", "need_info", "rerouted", "escalated", "survey", "not_helpful", "helped")


def kinds(plan: Plan) -> set[str]:
    found = {"first_contact"} if plan.first_contact else {"resolved"}
    outcomes = {visit.outcome for visit in plan.visits}
    found |= {"need_info"} & outcomes
    found |= {"rerouted"} if "wrong_office" in outcomes else set()
    found |= {"escalated"} if plan.escalations else set()
    found |= {"survey"} if plan.survey else set()
    found |= {"helped" if plan.article_helped else "not_helpful"} if plan.article_helped is not None else set()
    return found


def plans_of_every_kind(articles: dict[str, list[str]]) -> list[Plan]:
    planner = Planner(random.Random(11), calendar(), articles, ["Elin Sjö"])
    chosen: list[Plan] = []
    missing = set(KINDS)
    for _ in range(5000):
        plan = planner.plan(NOW, 120)
        if plan.finished_at <= NOW and kinds(plan) & missing:
            chosen.append(plan)
            missing -= kinds(plan)
        if not missing:
            return chosen
    raise AssertionError(f"no plan for {missing}")


@pytest.fixture
def demo_people(session: Session, deployed: None) -> dict[str, User]:
    users = seed_people(session)
    seed_articles(session)
    session.commit()
    return users


def log_of(session: Session, case: Case) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))
    return [(e.kind, e.element_id, e.office, e.actor_id, e.at, e.details) for e in rows]


def tasks_of(session: Session, case: Case) -> list[tuple[Any, ...]]:
    rows = session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id))
    return [(t.element_id, t.name, t.lane, t.group_name, t.managers_only, t.form, t.status, t.assignee_id,
             t.claimed_at, t.due_at, t.created_at, t.completed_at, t.completed_by_id, t.form_data,
             t.arrived_as, t.arrived_from, t.picked_up_at, t.received_at) for t in rows]


def case_of(session: Session, case: Case) -> tuple[Any, ...]:
    survey = session.scalars(select(SurveyResponse).where(SurveyResponse.case_id == case.id)).first()
    data = {key: case.data.get(key) for key in ("office", "reroute_count", "info_requests", "resolved_on_first_contact",
                                                 "kb_article", "due_at", "outcome")}
    return (case.status, case.office, case.channel, case.category, case.citizen_name, case.citizen_email,
            case.due_at, case.created_at, case.closed_at, case.created_by_id, data,
            (case.resolved_on_first_contact, case.kb_article, case.answered_at, case.answered_by),
            (survey.office, survey.score, survey.created_at) if survey else None)


def test_the_demo_articles_come_in_english_and_swedish_once(session: Session) -> None:
    session.add(Article(title=ARTICLES[0][0], category=ARTICLES[0][1], body=ARTICLES[0][2]))  # from before languages
    session.flush()

    seed_articles(session)
    seed_articles(session)

    languages = Counter(session.scalars(select(Article.language)))
    assert languages == {"en": len(ARTICLES), "sv": len(ARTICLES_SV)} and len(ARTICLES) == len(ARTICLES_SV)
    swedish = session.scalars(select(Article).where(Article.title == "Trasig gatubelysning")).one()
    assert (swedish.category, swedish.language) == ("streetlight", "sv")


def test_history_rows_are_the_rows_the_engine_writes(session: Session, demo_people: dict[str, User]) -> None:
    articles = {a.title: a.id for a in session.scalars(select(Article))}
    by_category: dict[str, list[str]] = {}
    for article in session.scalars(select(Article)):
        by_category.setdefault(article.category or "", []).append(article.title)
    version = current_version(session, "citizen_request")
    cast = demo_cast(demo_people)
    writer = HistoryWriter(session, version, cast, bpmn_elements(bpmn_source(version)), articles)

    for plan in plans_of_every_kind(by_category):
        LiveCase(session, plan, cast, articles, NOW)
        writer.add(plan)
        writer.flush()
        session.flush()
        live, written = session.scalars(select(Case).order_by(Case.id.desc()).limit(2)).all()[::-1]

        assert log_of(session, written) == log_of(session, live), kinds(plan)
        assert tasks_of(session, written) == tasks_of(session, live), kinds(plan)
        assert case_of(session, written) == case_of(session, live), kinds(plan)
        assert written.business_key == f"CR-{plan.received.year}-{written.id:06d}"
    not_helpful = session.scalars(select(Event).where(Event.kind == "kb_not_helpful"))
    votes = Counter(e.details["article_id"] for e in not_helpful)
    assert votes and all(n % 2 == 0 for n in votes.values())  # once written, once run


def test_a_demo_year_has_believable_shares_and_workable_open_cases(session: Session,
                                                                  demo_people: dict[str, User]) -> None:
    seed_year(session, demo_people, 300, now=NOW)
    session.commit()

    cases = session.scalars(select(Case)).all()
    assert len(cases) == 300
    assert min(c.created_at for c in cases) >= NOW - timedelta(days=366)
    channels = Counter(c.channel for c in cases)
    assert 0.35 < channels["phone"] / 300 < 0.55 and channels["app"] < channels["web"]
    first_contact = sum(1 for c in cases if c.data.get("resolved_on_first_contact")) / 300
    assert 0.4 < first_contact < 0.65
    handed = [c for c in cases if c.office]
    assert 0.01 < sum(1 for c in handed if c.data.get("reroute_count")) / len(handed) < 0.15
    assert 0.05 < sum(1 for c in handed if c.data.get("info_requests")) / len(handed) < 0.3
    open_cases = [c for c in cases if c.status == "open"]
    assert open_cases and all(c.state for c in open_cases)  # run on the engine: they can be worked on
    assert session.scalars(select(Task).where(Task.status == "open")).first() is not None
    assert all(c.closed_at >= c.created_at for c in cases if c.closed_at)
    assert session.scalars(select(SurveyResponse)).first() is not None
    _assert_logs_in_time_order(session)

    board = dashboard(session, demo_people["analyst"], Filters(date(2035, 6, 1), date(2036, 6, 1)), now=NOW)
    assert board.front.requests == 300
    assert board.answers_total.answered > 50 and board.surveys


def _assert_logs_in_time_order(session: Session) -> None:
    last: dict[int, datetime] = {}
    for case_id, at in session.execute(select(Event.case_id, Event.at).where(Event.case_id.is_not(None))
                                       .order_by(Event.id)):
        assert at >= last.get(case_id, at), case_id
        last[case_id] = at


def test_the_showcase_gives_every_demo_login_something_to_see(session: Session,
                                                            demo_people: dict[str, User]) -> None:
    cases = seed_showcase(session, demo_people, NOW)
    session.commit()
    open_tasks = session.scalars(select(Task).where(Task.case_id.in_([c.id for c in cases]),
                                                    Task.status == "open")).all()
    by_place = Counter((t.element_id, t.group_name, t.assignee_id) for t in open_tasks)
    officer = demo_people["officer"].id
    assert by_place[("follow_up_overdue", "streets_parks", None)] == 2  # the manager's overdue follow-ups
    assert by_place[("handle_request", "streets_parks", officer)] == 2  # claimed by the officer, one overdue
    assert by_place[("handle_request", "streets_parks", None)] == 2  # one new, one overdue
    assert by_place[("contact_citizen", "csu", None)] == 1  # the CSU calls the citizen back
    assert by_place[("handle_request", "waste", None)] == 1
    overdue = [c for c in cases if c.due_at is not None and c.due_at < NOW]
    assert len(overdue) == 2


def test_the_demo_permit_applications_stand_at_each_point_of_the_routine(session: Session,
                                                                         demo_people: dict[str, User]) -> None:
    cases = seed_permit_applications(session, demo_people, NOW)
    session.commit()
    assert {c.business_key[:3] for c in cases if c.business_key} == {"PA-"}
    assert sorted(c.status for c in cases) == ["closed", "closed", "open", "open", "open", "open"]
    open_tasks = Counter((t.element_id, t.group_name, t.managers_only) for t in session.scalars(
        select(Task).where(Task.case_id.in_([c.id for c in cases]), Task.status == "open")))
    assert open_tasks == Counter({
        ("pa_planning_review", "building_permits", False): 3,  # one overdue
        ("pa_technical_review", "building_permits", False): 1,
        ("pa_follow_up_planning", "building_permits", True): 1,  # the manager's overdue follow-up
        ("pa_contact_applicant", "csu", False): 1,
    })
