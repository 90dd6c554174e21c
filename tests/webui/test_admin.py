"""The administration pages: admins only, and each change goes through the operations."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.lanes import lane_rules
from processes.models import Group, Membership, User

from .conftest import csrf_token, login


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/admin")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/admin", "/admin/users", "/admin/groups", "/admin/lanes"])
def test_non_admins_get_403(client: FlaskClient, path: str) -> None:
    login(client, "manager")
    assert client.get(path).status_code == 403


def test_admin_lands_on_the_admin_overview(client: FlaskClient) -> None:
    login(client, "admin")
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "<h1>Administration</h1>" in response.get_data(as_text=True)


def test_admin_creates_a_user_then_an_office_and_makes_the_user_its_manager(
    client: FlaskClient, session: Session
) -> None:
    login(client, "admin")
    token = csrf_token(client, "/admin/users")
    response = client.post("/admin/users", data={
        "csrf_token": token, "username": "eva", "display_name": "Eva Env", "email": "eva@example.org",
        "roles": ["officer", "manager"], "password": "long enough"})
    assert response.status_code == 302
    response = client.post("/admin/groups", data={"csrf_token": token, "name": "environment",
                                                  "title": "Environment", "kind": "office"})
    assert response.status_code == 302
    group_id = int(response.headers["Location"].rsplit("/", 1)[1])
    eva = session.scalars(select(User).where(User.username == "eva")).one()

    response = client.post(f"/admin/groups/{group_id}/members",
                           data={"csrf_token": token, "user_id": eva.id, "manager": "1"})
    assert response.status_code == 302

    session.expire_all()
    membership = session.get(Membership, (eva.id, group_id))
    assert membership is not None and membership.is_manager
    page = client.get(f"/admin/groups/{group_id}").get_data(as_text=True)
    assert "Eva Env" in page and "Remove as manager" in page


def test_a_bad_new_user_shows_the_problems_on_the_form(client: FlaskClient, session: Session) -> None:
    login(client, "admin")
    response = client.post("/admin/users", data={"csrf_token": csrf_token(client, "/admin/users"),
                                                 "username": "officer", "display_name": "", "password": "x"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is taken" in page and 'aria-invalid="true"' in page
    assert session.scalars(select(User).where(User.display_name == "")).first() is None


def test_admin_maps_a_lane_to_a_group(client: FlaskClient, session: Session) -> None:
    login(client, "admin")
    response = client.post("/admin/lanes", data={"csrf_token": csrf_token(client, "/admin/lanes"),
                                                 "lane": "Waste desk", "group": "waste", "variable": ""})
    assert response.status_code == 302
    rules = lane_rules(session)
    assert rules["Waste desk"].group == "waste" and "Office" not in rules  # the diagram's lanes are not copied
    assert "Waste desk" in client.get("/admin/lanes").get_data(as_text=True)


def test_unknown_group_in_a_lane_mapping_is_refused(client: FlaskClient, session: Session) -> None:
    login(client, "admin")
    response = client.post("/admin/lanes", data={"csrf_token": csrf_token(client, "/admin/lanes"),
                                                 "lane": "CSU", "group": "nowhere"})
    assert response.status_code == 422
    assert session.scalars(select(Group).where(Group.name == "nowhere")).first() is None
