"""Dashboard figures, exactly, for a small known set of requests run through the real operations
(tests/processes/march_cases.py)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Float, cast, literal, select, union_all
from sqlalchemy.orm import Session

from processes.errors import InvalidFormData, PermissionDenied
from processes.metrics import dashboard
from processes.metrics_filters import Choices, Filters, parse_filters
from processes.models import Case, SurveyResponse, User
from processes.runtime import calendar
from processes.stats import WorkingDayIndex, percentile, sql_medians
from tests.conftest import create_user
from tests.processes.march_cases import MARCH, NOW, build_march


@pytest.fixture
def march(session: Session, people: dict[str, User], deployed: None) -> dict[str, Case]:
    return build_march(session, people)


def test_front_office_counts_channels_first_contact_and_knowledge_base(session: Session, people: dict[str, User],
                                                                        march: dict[str, Case]) -> None:
    front = dashboard(session, people["admin"], MARCH, now=NOW).front

    assert {row.channel: row.requests for row in front.channels} == {"phone": 2, "email": 1, "web": 1, "walk_in": 1}
    assert front.requests == 5
    assert front.first_contact_rate == pytest.approx(1 / 5)
    assert front.kb_use_rate == pytest.approx(2 / 5)
    assert (front.kb_votes, front.kb_not_helpful_rate) == (2, pytest.approx(0.5))


def test_handoff_measures_pickup_hours_misroutes_and_returns(session: Session, people: dict[str, User],
                                                             march: dict[str, Case]) -> None:
    board = dashboard(session, people["admin"], MARCH, now=NOW)
    rows = {row.office: row for row in board.handoff}

    streets, waste, total = rows["streets_parks"], rows["waste"], board.handoff_total
    assert (streets.handovers, streets.waiting, streets.cases) == (3, 1, 3)
    assert (streets.pickup_median_hours, streets.pickup_p90_hours) == (pytest.approx(1), pytest.approx(2))
    assert (streets.rerouted_cases, streets.reroute_rate, streets.returns) == (1, pytest.approx(1 / 3), 0)
    assert (waste.handovers, waste.waiting, waste.cases) == (2, 0, 1)
    assert (waste.pickup_median_hours, waste.pickup_p90_hours) == (pytest.approx(4), pytest.approx(119))
    assert (waste.returned_cases, waste.returns, waste.rerouted_cases) == (1, 1, 0)
    assert (total.handovers, total.waiting, total.cases, total.rerouted_cases, total.returned_cases) == (5, 1, 4, 1, 1)
    assert (total.pickup_median_hours, total.pickup_p90_hours) == (pytest.approx(2), pytest.approx(119))


def test_back_office_measures_working_days_to_the_answer_against_the_deadline(
        session: Session, people: dict[str, User], march: dict[str, Case]) -> None:
    board = dashboard(session, people["admin"], MARCH, now=NOW)
    rows = {row.office: row for row in board.answers}

    streets, waste, total = rows["streets_parks"], rows["waste"], board.answers_total
    assert (streets.answered, streets.median_days, streets.promised_days, streets.late) == (1, 3, 5, 0)
    assert (waste.answered, waste.median_days, waste.p90_days, waste.promised_days) == (2, 1, 4, 3)
    assert (waste.late, waste.late_rate, waste.escalations) == (1, 0.5, 1)
    assert (total.answered, total.median_days, total.p90_days, total.promised_days, total.late) == (3, 3, 4, 5, 1)


def test_backlog_counts_open_office_requests_by_age_now(session: Session, people: dict[str, User],
                                                        march: dict[str, Case]) -> None:
    backlog = dashboard(session, people["admin"], MARCH, now=NOW).backlog

    assert [(row.office, row.buckets, row.overdue) for row in backlog] == [("streets_parks", [0, 1, 0, 0, 0], 0)]
    later = dashboard(session, people["admin"], MARCH, now=datetime(2036, 4, 20, tzinfo=UTC)).backlog
    assert [(row.buckets, row.overdue) for row in later] == [([0, 0, 0, 0, 1], 1)]


def test_category_and_channel_filters_narrow_every_figure(session: Session, people: dict[str, User],
                                                          march: dict[str, Case]) -> None:
    board = dashboard(session, people["admin"], Filters(MARCH.start, MARCH.end, channel="phone"), now=NOW)
    assert board.front.requests == 2
    assert [(row.office, row.answered) for row in board.answers] == [("waste", 1)]
    assert [(row.office, row.handovers, row.rerouted_cases) for row in board.handoff] == [("streets_parks", 1, 1)]
    assert board.answers_total.escalations == 0  # the escalated request came in on the web

    board = dashboard(session, people["admin"], Filters(MARCH.start, MARCH.end, category="streetlight"), now=NOW)
    assert (board.front.requests, board.answers_total.answered, board.front.kb_votes) == (1, 0, 0)


def test_manager_sees_only_the_offices_they_manage(session: Session, people: dict[str, User],
                                                   march: dict[str, Case]) -> None:
    board = dashboard(session, people["manager"], MARCH, now=NOW)

    assert board.offices == ["streets_parks"]
    assert [name for name, _ in board.choices.offices] == ["streets_parks"]
    assert board.front.requests == 2  # the cases now with streets_parks; the rerouted one left
    assert board.front.first_contact_rate is None
    assert [row.office for row in board.handoff] == ["streets_parks"]
    assert [row.office for row in board.answers] == ["streets_parks"]
    with pytest.raises(PermissionDenied):
        dashboard(session, people["manager"], Filters(MARCH.start, MARCH.end, office="waste"), now=NOW)


def test_officers_and_csu_agents_may_not_see_the_dashboard(session: Session, people: dict[str, User],
                                                           deployed: None) -> None:
    for username in ("officer", "csu"):
        with pytest.raises(PermissionDenied):
            dashboard(session, people[username], MARCH)
    analyst = create_user(session, "analyst", ["analyst"])
    assert dashboard(session, analyst, MARCH).offices is None


def test_survey_scores_are_averaged_per_office(session: Session, people: dict[str, User],
                                               march: dict[str, Case]) -> None:
    for case, office, score in ((march["answered"], "streets_parks", 4), (march["late"], "waste", 2),
                                (march["rerouted"], "waste", 5), (march["january"], "waste", 1)):
        session.add(SurveyResponse(case_id=case.id, office=office, score=score, created_at=NOW))
    session.commit()

    rows = dashboard(session, people["admin"], MARCH, now=NOW).surveys

    assert [(r.office, r.responses, r.average, r.scores) for r in rows] == [
        ("streets_parks", 1, 4.0, [0, 0, 0, 1, 0]), ("waste", 2, 3.5, [0, 1, 0, 0, 1])]
    manager_rows = dashboard(session, people["manager"], MARCH, now=NOW).surveys
    assert [r.office for r in manager_rows] == ["streets_parks"]


CHOICES = Choices(offices=[("waste", "Waste")], categories=[("pothole", "Pothole")], channels=[("phone", "Phone")])


def test_filters_default_to_the_last_90_days() -> None:
    filters = parse_filters({}, CHOICES, today=date(2036, 3, 31))
    assert (filters.start, filters.end, filters.office) == (date(2036, 1, 1), date(2036, 3, 31), None)


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"from": "2036-04-01", "to": "2036-03-01"}, "from", "starts (2036-04-01) after it ends"),
    ({"from": "yesterday"}, "from", "'yesterday' is not a date"),
    ({"to": "2036-02-30"}, "to", "is not a date"),
    ({"from": "2020-01-01", "to": "2036-01-01"}, "from", "longer than five years"),
    ({"office": "parks"}, "office", "unknown office 'parks'"),
    ({"category": "dragons"}, "category", "unknown category"),
    ({"channel": "pigeon"}, "channel", "unknown channel"),
])
def test_bad_filters_name_the_argument(args: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(InvalidFormData) as raised:
        parse_filters(args, CHOICES, today=date(2036, 3, 31))
    assert message in raised.value.errors[field]


def test_working_day_index_agrees_with_the_calendar() -> None:
    cal = calendar()
    moments = [datetime(2035, 12, 20, tzinfo=UTC) + timedelta(hours=7 * i) for i in range(200)]
    index = WorkingDayIndex.spanning(cal, moments)
    for start in moments[::7]:
        for end in moments[::5]:
            assert index.between(start, end) == cal.working_days_between(start, end)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert (percentile([4, 1, 3, 2], 0.5), percentile([4, 1, 3, 2], 0.9), percentile([7], 0.9)) == (2, 4, 7)


def test_sql_medians_count_every_row_and_rank_like_percentile(session: Session) -> None:
    draw = random.Random(3)
    rows: list[tuple[str, float | None]] = [("none", None), ("none", None), ("one", 7.5)]
    rows += [("even", draw.uniform(-5, 500)) for _ in range(40)] + [("even", None)] * 3  # 40 values
    rows += [("odd", draw.uniform(-5, 500)) for _ in range(41)]
    rows += [("ties", draw.choice([0.0, 0.0, 0.0, 1.5, 2.0, 30.0, None])) for _ in range(60)]
    keyed = union_all(*(select(literal(key).label("k"), cast(value, Float).label("v")) for key, value in rows))

    found = sql_medians(session, select(*keyed.subquery().c))

    expected = {}
    for key in {k for k, _ in rows}:
        values = [v for k, v in rows if k == key]
        expected[key] = (len(values), percentile([v for v in values if v is not None], 0.5))
    assert found == expected
