"""The start page: every deployed process the person may start (its start_groups), its start form,
the server's check of that form, and the case it starts (here permit_application, the second routine)."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.models import Case, Task, User
from tests.conftest import create_user
from tests.permit_data import REGISTRATION

from .conftest import csrf_token, login


@pytest.fixture
def permits_officer(session: Session, people: dict[str, User]) -> User:
    user = create_user(session, "bo", ["officer"], ("building_permits",))
    session.commit()
    return user


def start(client: FlaskClient, key: str, data: object) -> object:
    return client.post(f"/start/{key}", data={"csrf_token": csrf_token(client, f"/start/{key}"),
                                              "payload": json.dumps(data)})


def errors_on(page: str) -> dict[str, str]:
    found = re.search(r'<script type="application/json" id="task-form-errors">(.*?)</script>', page, re.DOTALL)
    assert found, "the page carries no field errors"
    return dict(json.loads(found.group(1)))


def test_each_person_sees_the_processes_their_groups_may_start(client: FlaskClient, permits_officer: User) -> None:
    login(client, "csu")
    page = client.get("/start").get_data(as_text=True)
    assert 'href="/start"' in client.get("/inbox").get_data(as_text=True)  # in the navigation
    assert "Citizen request" in page and "Building permit application" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})

    login(client, "bo")
    page = client.get("/start").get_data(as_text=True)
    assert "Building permit application" in page and "Citizen request" not in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})

    login(client, "officer")  # streets and parks: in no process's start groups
    assert 'href="/start"' not in client.get("/inbox").get_data(as_text=True)
    assert "There is no process you may start" in client.get("/start").get_data(as_text=True)
    assert client.get("/start/permit_application").status_code == 403
    assert client.get("/start/no_such_process").status_code == 404


def test_the_start_form_is_the_intake_tasks_form(client: FlaskClient, permits_officer: User) -> None:
    login(client, "bo")
    page = client.get("/start/permit_application").get_data(as_text=True)
    schema = re.search(r'id="task-form-schema">(.*?)</script>', page, re.DOTALL)
    assert schema is not None
    assert "floor_area" in [c.get("key") for c in json.loads(schema.group(1))["components"]]
    assert "dist/form-viewer.js" in page


def test_a_bad_form_is_sent_back_with_a_message_per_field_and_starts_nothing(
        client: FlaskClient, session: Session, permits_officer: User) -> None:
    login(client, "bo")
    response = start(client, "permit_application", {**REGISTRATION, "floor_area": -5, "citizen_name": "",
                                                    "works": "castle", "smuggled": "x"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    errors = errors_on(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert set(errors) == {"floor_area", "citizen_name", "works", "smuggled"}
    assert session.scalar(select(func.count()).select_from(Case)) == 0
    garbled = client.post("/start/permit_application", data={"csrf_token": csrf_token(client, "/start"),
                                                              "payload": "{not json"})
    assert garbled.status_code == 422 and session.scalar(select(func.count()).select_from(Case)) == 0


def test_an_officer_starts_a_permit_application_and_its_reviews_wait_in_the_office(
        client: FlaskClient, session: Session, permits_officer: User) -> None:
    login(client, "bo")
    response = start(client, "permit_application", REGISTRATION)
    assert response.status_code == 302  # type: ignore[attr-defined]
    case = session.scalars(select(Case)).one()
    assert response.headers["Location"] == f"/cases/{case.id}"  # type: ignore[attr-defined]
    assert (case.process_key, case.created_by_id, case.citizen_name) == ("permit_application", permits_officer.id,
                                                                          "Nils Ek")
    tasks = session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id)).all()
    assert [(t.element_id, t.status, t.completed_by_id) for t in tasks][0] == (
        "pa_register", "completed", permits_officer.id)
    assert sorted((t.element_id, t.group_name) for t in tasks if t.status == "open") == [
        ("pa_planning_review", "building_permits"), ("pa_technical_review", "building_permits")]
    assert f"Case {case.business_key} started." in client.get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_start_page_reads_in_swedish(client: FlaskClient, session: Session, permits_officer: User) -> None:
    from processes.users import set_locale

    set_locale(session, permits_officer, "sv")
    session.commit()
    login(client, "bo")
    index = client.get("/start").get_data(as_text=True)
    assert "Bygglovsansökan" in index
    assert "En ansökan om bygglov, registrerad av kontaktcenter" in index  # its documentation_sv
    assert "An application for a building permit" not in index
    page = client.get("/start/permit_application").get_data(as_text=True)
    assert re.search(r"<h1>\s*Bygglovsansökan\s*</h1>", page)
    schema = re.search(r'id="task-form-schema">(.*?)</script>', page, re.DOTALL)
    assert schema is not None
    assert "Sökandens namn" in [c.get("label") for c in json.loads(schema.group(1))["components"]]


def test_the_start_page_describes_each_process_in_the_readers_language(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    from processes.users import set_locale

    login(client, "csu")
    set_locale(session, people["csu"], "en")
    session.commit()
    english = client.get("/start").get_data(as_text=True)
    assert "A citizen request at the one-stop shop" in english and "An application for a building permit" in english
    assert "Ett invånarärende" not in english
    set_locale(session, people["csu"], "sv")
    session.commit()
    swedish = client.get("/start").get_data(as_text=True)
    assert "Ett invånarärende hos kontaktcenter" in swedish and "En ansökan om bygglov" in swedish
    assert "A citizen request at the one-stop shop" not in swedish
