"""The manager view: overdue work and open work per person in the offices I manage."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.models import User

from .conftest import login
from .inbox_factory import office_case, open_task, overdue_case


def section(html: str, office_title: str) -> str:
    """The part of the page about one office."""
    start = html.index(f">{office_title}</h2>")
    end = html.find("<section", start)
    return html[start:end if end != -1 else len(html)]


def test_manager_sees_follow_ups_overdue_tasks_and_work_per_officer(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    late = overdue_case(session, people, citizen_name="Nils Ek")
    claimed = open_task(session, office_case(session, people), "handle_request")
    claimed.assignee = people["officer2"]
    office_case(session, people)
    session.commit()

    login(client, "manager")
    response = client.get("/manager")

    assert response.status_code == 200
    office = section(response.get_data(as_text=True), "Streets Parks")
    follow_up = open_task(session, late, "follow_up_overdue")
    assert f'<a href="/tasks/{follow_up.id}">Follow up overdue request</a>' in office
    overdue = open_task(session, late, "handle_request")
    assert f'<a href="/tasks/{overdue.id}">Handle request</a>' in office
    assert "1 follow-ups of overdue requests" in office
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td>', office))
    assert rows == {"Officer2": "1", "Officer": "0", "Manager": "0", "Unassigned": "3"}
    assert f"/inbox?group=streets_parks&amp;assignee={people['officer2'].id}" in office


def test_manager_sees_only_the_offices_they_manage(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    office_case(session, people, category="missed_collection")
    login(client, "manager")

    html = client.get("/manager").get_data(as_text=True)

    assert ">Streets Parks</h2>" in html
    assert ">Waste</h2>" not in html


def test_admin_sees_every_office(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "admin")

    html = client.get("/manager").get_data(as_text=True)

    assert ">Streets Parks</h2>" in html
    assert ">Waste</h2>" in html


def test_officers_and_csu_agents_may_not_open_the_manager_view(client: FlaskClient, people: dict[str, User]) -> None:
    for username in ("officer", "csu"):
        login(client, username)
        assert client.get("/manager").status_code == 403


def test_manager_view_needs_a_login(client: FlaskClient) -> None:
    response = client.get("/manager")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_manager_view_is_in_the_navigation_of_managers_only(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "manager")
    assert 'href="/manager"' in client.get("/inbox").get_data(as_text=True)
    login(client, "officer")
    assert 'href="/manager"' not in client.get("/inbox").get_data(as_text=True)
