"""The case page: who may open it, and what it shows (diagram data, timeline, case data, open tasks)."""

from __future__ import annotations

import html
import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.cases import view_case
from processes.errors import PermissionDenied
from processes.models import User
from processes.tasks import claim_task, complete_task
from tests.cases_factory import handed_over, open_task, resolved_at_once
from tests.conftest import create_user

from .conftest import login

pytestmark = pytest.mark.usefixtures("deployed")


def diagram_data(page: str) -> dict[str, list[str] | str]:
    match = re.search(r'<script type="application/json" id="case-diagram-data">(.*?)</script>', page, re.S)
    assert match, "no diagram data on the page"
    data: dict[str, list[str] | str] = json.loads(match.group(1))
    return data


def test_officer_of_the_office_sees_the_diagram_with_current_task_and_path_taken(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    login(client, "officer")
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 200
    data = diagram_data(response.get_data(as_text=True))
    assert data["active"] == ["handle_request"]
    assert {"start", "intake", "route"} <= set(data["done"])
    assert "flow_init_intake" in data["done"], "the flows between completed steps are part of the path"
    assert "handle_request" not in data["done"]
    assert 'id="citizen_request"' in str(data["xml"])


def test_case_page_lists_the_business_fields_and_links_the_open_task(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people, description="Hole on the corner of Storgatan")
    task = open_task(session, case, "handle_request")
    login(client, "officer")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert f"<h1>Case {case.business_key}</h1>" in page
    for text in ("Alva Berg", "alva@example.org", "Phone", "Pothole", "Streets Parks",
                 "Hole on the corner of Storgatan", "Information requests"):
        assert text in page, text
    assert f'href="/tasks/{task.id}"' in page
    assert "<details" in page and '"citizen_email"' not in page and '"description"' not in page, \
        "business fields are not repeated in the JSON"


def test_timeline_tells_what_happened_in_words_and_leaves_out_engine_steps(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    claim_task(session, people["officer"], open_task(session, case, "handle_request").id)
    session.commit()
    login(client, "officer")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Task “Intake” completed." in page
    assert "Handed over from Csu to Streets Parks." in page
    assert "Task “Handle request” claimed." in page
    assert "by Officer" in page and "by Csu" in page
    assert "element_completed" not in page and "Element completed" not in page


def test_case_data_is_shown_escaped(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people, description="<script>alert('x')</script>", kb_article="</script><b>x")
    login(client, "admin")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "</script><b>x" not in page
    assert "&lt;script&gt;alert" in page


def test_officer_of_another_office_may_not_open_the_case(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    login(client, "waste_officer")
    assert client.get(f"/cases/{case.id}").status_code == 403
    assert client.get(f"/cases/{case.id}/diagram.bpmn").status_code == 403


@pytest.mark.parametrize("username", ["csu", "admin", "manager"])
def test_csu_admins_and_managers_of_the_office_open_the_case(
        client: FlaskClient, session: Session, people: dict[str, User], username: str) -> None:
    case = handed_over(session, people)
    login(client, username)
    assert client.get(f"/cases/{case.id}").status_code == 200


def test_analyst_sees_every_case(session: Session, people: dict[str, User]) -> None:
    analyst = create_user(session, "analyst", ["analyst"])
    case = handed_over(session, people)
    assert view_case(session, analyst, case.id).case.id == case.id


def test_a_rerouted_case_stays_visible_to_the_office_that_had_it(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    complete_task(session, people["officer"], open_task(session, case, "handle_request").id,
                  {"outcome": "wrong_office", "correct_office": "waste"})
    session.commit()
    assert view_case(session, people["waste_officer"], case.id).active == ["handle_request"]
    assert view_case(session, people["officer"], case.id).case.office == "waste"
    login(client, "officer")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Rerouted from Streets Parks to Waste (wrong office)." in page


def test_closed_case_has_no_current_task(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = resolved_at_once(session, people)
    login(client, "csu")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    data = diagram_data(page)
    assert data["active"] == []
    assert "end_first_contact" in data["done"]
    assert "No open tasks." in page and "Closed" in page


def test_diagram_download_is_the_bpmn_of_the_case_version(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    login(client, "officer")
    response = client.get(f"/cases/{case.id}/diagram.bpmn")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert b'<bpmn:process id="citizen_request"' in response.data


def test_unknown_case_is_not_found(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "admin")
    assert client.get("/cases/999999").status_code == 404


def test_view_case_refuses_an_officer_of_another_office(session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    with pytest.raises(PermissionDenied):
        view_case(session, people["waste_officer"], case.id)
