"""The inbox page: who sees which tasks, its filters, counts and pages, and claiming and assigning."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.db import utcnow
from processes.inbox import DueWindows
from processes.models import User

from .conftest import csrf_token, login
from .inbox_factory import intake_case, listed, next_cursor, office_case, open_task, overdue_case

# --- Who sees what -------------------------------------------------------------------------------


def test_officer_sees_own_office_unclaimed_tasks_but_not_another_offices(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    streets = open_task(session, office_case(session, people), "handle_request")
    waste = open_task(session, office_case(session, people, category="missed_collection"), "handle_request")

    login(client, "officer")

    assert listed(client) == [streets.id]
    assert waste.group_name == "waste"


def test_officer_sees_own_claims_but_not_a_colleagues(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    mine = open_task(session, office_case(session, people), "handle_request")
    theirs = open_task(session, office_case(session, people), "handle_request")
    mine.assignee, theirs.assignee = people["officer"], people["officer2"]
    session.commit()

    login(client, "officer")

    assert listed(client) == [mine.id]
    assert listed(client, "?scope=mine") == [mine.id]
    assert listed(client, "?scope=unclaimed") == []


def test_manager_sees_follow_ups_of_overdue_requests_and_officers_do_not(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    follow_up = open_task(session, overdue_case(session, people), "follow_up_overdue")
    assert follow_up.managers_only

    login(client, "manager")
    assert follow_up.id in listed(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "officer")
    assert follow_up.id not in listed(client)


def test_manager_sees_tasks_claimed_by_members_of_the_office(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    task.assignee = people["officer2"]
    session.commit()

    login(client, "manager")

    assert listed(client) == [task.id]
    assert "Officer2" in client.get("/inbox").get_data(as_text=True)


def test_csu_agent_sees_intake_tasks_and_offices_do_not(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    intake = open_task(session, intake_case(session, people), "intake")

    login(client, "csu")
    assert listed(client) == [intake.id]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "officer")
    assert listed(client) == []


def test_inbox_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/inbox")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- Filters -------------------------------------------------------------------------------------


def test_filters_by_office_process_and_category(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    pothole = open_task(session, office_case(session, people), "handle_request")
    light = open_task(session, office_case(session, people, category="streetlight"), "handle_request")
    waste = open_task(session, office_case(session, people, category="missed_collection"), "handle_request")

    login(client, "admin")

    assert set(listed(client, "?group=streets_parks")) == {pothole.id, light.id}
    assert listed(client, "?group=waste") == [waste.id]
    assert listed(client, "?category=streetlight") == [light.id]
    assert set(listed(client, "?process=citizen_request")) == {pothole.id, light.id, waste.id}
    assert listed(client, "?process=other") == []


def test_filters_by_due_window(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    windows = DueWindows.at(utcnow() + timedelta(seconds=30), ZoneInfo("Europe/Stockholm"))
    late, today, week, later, undated = (open_task(session, office_case(session, people), "handle_request")
                                         for _ in range(5))
    late.due_at = windows.now - timedelta(hours=1)
    today.due_at = windows.end_of_today - timedelta(seconds=1)
    week.due_at = windows.end_of_week - timedelta(seconds=1)
    later.due_at = windows.end_of_week + timedelta(days=1)
    undated.due_at = None
    session.commit()

    login(client, "officer")

    assert listed(client, "?due=overdue") == [late.id]
    sunday = windows.end_of_week == windows.end_of_today  # then "this week" is today
    assert set(listed(client, "?due=today")) == ({today.id, week.id} if sunday else {today.id})
    assert set(listed(client, "?due=week")) == {today.id, week.id}
    assert listed(client)[-1] == undated.id  # undated tasks come last


def test_free_text_matches_case_reference_citizen_and_description_ignoring_case(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    alva = office_case(session, people)
    nils = office_case(session, people, citizen_name="Nils Ek", description="Broken bench in Rålambshov")
    alva_task, nils_task = open_task(session, alva, "handle_request"), open_task(session, nils, "handle_request")

    login(client, "officer")

    assert listed(client, "?q=nils") == [nils_task.id]
    assert listed(client, "?q=BENCH") == [nils_task.id]
    assert listed(client, f"?q={alva.business_key}") == [alva_task.id]
    assert listed(client, "?q=100%25") == []  # a LIKE wildcard is searched for literally


def test_officer_cannot_peek_at_a_colleagues_tasks_with_the_assignee_filter(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    task.assignee = people["officer2"]
    session.commit()

    login(client, "officer")

    assert listed(client, f"?assignee={people['officer2'].id}") == []


def test_manager_filters_an_officers_tasks(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    theirs, other = (open_task(session, office_case(session, people), "handle_request") for _ in range(2))
    theirs.assignee = people["officer2"]
    session.commit()

    login(client, "manager")

    assert listed(client, f"?assignee={people['officer2'].id}") == [theirs.id]
    assert other.id in listed(client, "?scope=unclaimed")


def test_unknown_filter_values_are_a_bad_request(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "officer")

    assert client.get("/inbox?scope=everything").status_code == 400
    assert client.get("/inbox?due=yesterday").status_code == 400
    assert client.get("/inbox?after=nonsense").status_code == 400
    assert client.get("/inbox?assignee=bob").status_code == 400


# --- Counts and pages ----------------------------------------------------------------------------


def test_counts_per_scope_office_and_due_window(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    mine, late, plain = (open_task(session, office_case(session, people), "handle_request") for _ in range(3))
    mine.assignee = people["officer"]
    late.due_at = utcnow() - timedelta(days=1)
    session.commit()

    login(client, "officer")
    html = client.get("/inbox").get_data(as_text=True)

    assert re.search(r"All I can see \(3\)", html)
    assert re.search(r"Mine \(1\)", html)
    assert re.search(r"Unclaimed \(2\)", html)
    assert re.search(r">Streets Parks \(3\)</option>", html)
    assert re.search(r">Overdue \(1\)</option>", html)


def test_counts_stop_at_the_cap_but_stay_exact_for_the_earliest_due_dates(
        app: Flask, client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    app.config["INBOX_COUNT_CAP"] = 2
    late, later, latest = (open_task(session, office_case(session, people), "handle_request") for _ in range(3))
    late.due_at, later.due_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    latest.due_at = utcnow() + timedelta(days=30)
    session.commit()

    login(client, "officer")
    html = client.get("/inbox").get_data(as_text=True)

    assert re.search(r">Overdue \(2\)</option>", html)
    assert re.search(r">Streets Parks \(2\+\)</option>", html)
    assert re.search(r"Unclaimed \(2\+\)", html)
    assert re.search(r"Mine \(0\)", html)


def test_pages_follow_the_cursor_without_gaps_or_repeats(
        app: Flask, client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    app.config["INBOX_PAGE_SIZE"] = 2
    dated = [open_task(session, office_case(session, people, days_ago=n), "handle_request") for n in range(3)]
    undated = [open_task(session, intake_case(session, people), "intake") for _ in range(2)]
    expected = [t.id for t in sorted(dated, key=lambda t: (t.due_at, t.id))] + sorted(t.id for t in undated)

    login(client, "admin")
    seen: list[int] = []
    query = ""
    while True:
        html = client.get(f"/inbox{query}").get_data(as_text=True)
        seen += [int(n) for n in re.findall(r'<a href="/tasks/(\d+)">', html)]
        cursor = next_cursor(html)
        if cursor is None:
            break
        query = f"?after={cursor}"

    assert seen == expected


def test_a_page_cursor_still_holds_after_new_tasks_arrive(
        app: Flask, client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    app.config["INBOX_PAGE_SIZE"] = 2
    tasks = [open_task(session, office_case(session, people, days_ago=n), "handle_request") for n in (3, 2, 1, 0)]
    login(client, "officer")
    first = client.get("/inbox").get_data(as_text=True)
    cursor = next_cursor(first)
    assert cursor is not None

    earlier = open_task(session, office_case(session, people, days_ago=10), "handle_request")
    second = listed(client, f"?after={cursor}")

    ordered = sorted(tasks, key=lambda t: (t.due_at, t.id))
    assert second == [t.id for t in ordered[2:]]
    assert earlier.id not in second
