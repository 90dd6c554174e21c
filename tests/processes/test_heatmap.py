"""The heatmap's figures, exactly, for the March requests (tests/processes/march_cases.py): how many
times cases passed each element, and the median time spent there."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from processes.errors import NotFound, PermissionDenied
from processes.heatmap import Heatmap, heatmap
from processes.metrics_filters import Filters
from processes.models import Case, User
from tests.processes.march_cases import MARCH, build_march

HOUR = 3600


@pytest.fixture
def march(session: Session, people: dict[str, User], deployed: None) -> dict[str, Case]:
    return build_march(session, people)


def medians(heat: Heatmap) -> dict[str, float | None]:
    """Median seconds per element, to the second (SQLite's julianday arithmetic is off by microseconds)."""
    return {e.element_id: None if e.median_seconds is None else round(e.median_seconds) for e in heat.elements}


def test_heatmap_counts_each_element_and_the_median_time_spent_there(session: Session, people: dict[str, User],
                                                                     march: dict[str, Case]) -> None:
    heat = heatmap(session, people["admin"], "citizen_request", None, MARCH)

    assert heat.counts == {
        "start": 5, "init_case": 5, "intake": 5, "first_contact": 5, "handle_request": 5, "outcome": 5,
        "route": 4, "compute_deadline": 4, "notify_acknowledgement": 4, "end_resolved": 3, "notify_answer": 3,
        "notify_survey": 3, "end_first_contact": 1, "notify_resolved_first_contact": 1, "contact_citizen": 1,
        "count_info_request": 1, "notify_need_info": 1, "deadline_passed": 1, "first_escalation": 1,
        "record_escalation": 1, "reroute": 1}
    spent = medians(heat)
    assert spent["start"] is None  # nothing comes before it
    assert (spent["route"], spent["outcome"], spent["notify_answer"]) == (0, 0, 0)  # engine steps take no time
    assert spent["intake"] == 600  # user tasks: from the task's creation to its completion
    # Handle request took 1h50, 5h50, 22h, 3 days 50 min and 5 days: the third of five.
    assert spent["handle_request"] == 22 * HOUR
    assert spent["contact_citizen"] == 19 * HOUR
    assert spent["deadline_passed"] == 69 * HOUR  # the timer, from Contact citizen to the deadline
    assert [e.element_id for e in heat.busiest] == ["first_contact", "handle_request", "init_case", "intake", "outcome"]
    assert [e.element_id for e in heat.slowest] == ["deadline_passed", "handle_request", "contact_citizen", "intake"]
    assert heat.versions == [1] and heat.version.key == "citizen_request"
    assert {e.element_id: e.name for e in heat.elements}["handle_request"] == "Handle request"


def test_manager_sees_the_cases_now_with_their_offices(session: Session, people: dict[str, User],
                                                       march: dict[str, Case]) -> None:
    heat = heatmap(session, people["manager"], "citizen_request", 1, MARCH)

    assert (heat.counts["start"], heat.counts["handle_request"], heat.counts.get("reroute")) == (2, 1, None)
    assert medians(heat)["handle_request"] == 72 * HOUR + 50 * 60
    with pytest.raises(PermissionDenied):
        heatmap(session, people["manager"], "citizen_request", 1, Filters(MARCH.start, MARCH.end, office="waste"))


def test_filters_narrow_the_counts_and_the_medians(session: Session, people: dict[str, User],
                                                   march: dict[str, Case]) -> None:
    phone = heatmap(session, people["admin"], "citizen_request", None, Filters(MARCH.start, MARCH.end, channel="phone"))
    assert (phone.counts["start"], phone.counts["handle_request"], phone.counts["reroute"]) == (2, 2, 1)
    assert medians(phone)["handle_request"] == 110 * 60  # 1h50 at the wrong office, 22h at the right one

    waste = heatmap(session, people["admin"], "citizen_request", None, Filters(MARCH.start, MARCH.end, office="waste"))
    assert (waste.counts["start"], waste.counts["handle_request"], waste.counts["deadline_passed"]) == (2, 4, 1)

    april = heatmap(session, people["admin"], "citizen_request", None,
                    Filters(MARCH.end.replace(day=1, month=4), MARCH.end.replace(day=30, month=4)))
    assert april.elements == [] and april.busiest == [] and april.slowest == []


def test_unknown_process_or_version_is_not_found(session: Session, people: dict[str, User], deployed: None) -> None:
    with pytest.raises(NotFound):
        heatmap(session, people["admin"], "no_such_process", None, MARCH)
    with pytest.raises(NotFound):
        heatmap(session, people["admin"], "citizen_request", 99, MARCH)
