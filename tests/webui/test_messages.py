"""Delivering messages and signals from the outside, on both backends: the `onestop message` and
`onestop signal` commands, the REST API, and the case page (what a case waits for, its form, a stuck case)."""

from __future__ import annotations

import html
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.models import Case, User
from processes.tasks import complete_task
from tests.waiting_cases import deploy_waiting_processes, open_tasks, waiting_for_reply

from .conftest import csrf_token, login
from .test_api import key_for
from .test_monitoring import metric


@pytest.fixture(autouse=True)
def processes(session: Session, people: dict[str, User]) -> None:
    deploy_waiting_processes(session, people["admin"])


def refreshed(session: Session, case: Case) -> Case:
    session.expire_all()
    fresh = session.get(Case, case.id)
    assert fresh is not None
    return fresh


# --- CLI -----------------------------------------------------------------------------------------


def test_case_show_names_the_awaited_message_and_the_message_command_delivers_it(  # type: ignore[no-untyped-def]
    cli, session: Session, people: dict[str, User]
) -> None:
    case = waiting_for_reply(session, people)
    shown = json.loads(cli("case", "show", str(case.id), "--json").stdout)
    assert shown["waiting"] == [{"element_id": "wait_reply", "kind": "message", "name": "citizen_reply",
                                 "due_at": None}]
    assert shown["stuck"] == [] and shown["data"]["topic"] == "bins"
    assert "waiting for message 'citizen_reply' at wait_reply" in cli("case", "show", str(case.id)).stdout

    result = cli("message", case.business_key or "", "citizen_reply", "--data", '{"reply": "yes"}',
                 "--user", "csu")
    assert result.exit_code == 0, result.stderr
    delivered = f"message 'citizen_reply' delivered to case {case.id} ({case.business_key}); case open"
    assert result.stdout.strip() == delivered
    shown = json.loads(cli("case", "show", str(case.id), "--json").stdout)
    assert shown["waiting"] == [] and [t["element_id"] for t in shown["open_tasks"]] == ["review"]
    assert shown["data"]["citizen_reply"] == {"reply": "yes"}
    assert "message_received" in [e["kind"] for e in shown["events"]]


@pytest.mark.parametrize(("args", "message"), [
    (("message", "{case}", "payment"), "error: case {ref} is not waiting for message 'payment' "
                                       "(it waits for message 'citizen_reply')"),
    (("message", "CR-1999-000001", "citizen_reply"), "error: case CR-1999-000001 not found"),
    (("message", "{case}", "citizen_reply", "--data", "{bad"), "error: --data is not valid JSON"),
    (("message", "{case}", "citizen_reply", "--user", "officer"), "error: you may not send messages or signals"),
    (("signal", "storm_over", "--case", "{case}"), "error: case {ref} is not waiting for signal 'storm_over'"),
    (("signal", "storm_over", "--user", "csu"), "error: only administrators broadcast signals"),
])
def test_a_delivery_that_cannot_be_made_is_one_line_and_exit_1(  # type: ignore[no-untyped-def]
    cli, session: Session, people: dict[str, User], args: tuple[str, ...], message: str
) -> None:
    case = waiting_for_reply(session, people)
    result = cli(*[str(case.id) if a == "{case}" else a for a in args])
    assert result.exit_code == 1
    assert result.stderr.startswith(message.format(ref=case.business_key))
    assert len(result.stderr.strip().splitlines()) == 1
    assert refreshed(session, case).waiting  # still waiting: nothing changed


def test_a_signal_without_a_case_reaches_every_case_waiting_for_it(  # type: ignore[no-untyped-def]
    cli, session: Session, people: dict[str, User]
) -> None:
    cases = [start_case(session, people["csu"], "parallel_signal", {}) for _ in range(3)]
    session.commit()
    result = cli("signal", "storm_over")
    assert (result.exit_code, result.stdout.strip()) == (0, "signal 'storm_over' delivered to 3 cases")
    assert all(refreshed(session, case).waiting is None for case in cases)
    assert cli("signal", "storm_over").stdout.strip() == "signal 'storm_over' delivered to 0 cases"


def test_case_show_warns_about_a_stuck_case(cli, session: Session, people: dict[str, User]) -> None:  # type: ignore[no-untyped-def]
    case = start_case(session, people["csu"], "stuck_join", {})
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    session.commit()
    assert "STUCK at join" in cli("case", "show", str(case.id)).stdout
    assert "join" in json.loads(cli("case", "show", str(case.id), "--json").stdout)["stuck"]


# --- REST API ------------------------------------------------------------------------------------


def test_the_api_delivers_a_message_by_case_id_or_business_key(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    headers = {"Authorization": f"Bearer {key_for(session, people['csu'])}"}
    first, second = waiting_for_reply(session, people), waiting_for_reply(session, people)
    response = client.post(f"/api/cases/{first.id}/messages", headers=headers,
                           json={"name": "citizen_reply", "data": {"reply": "yes"}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["waiting"] == [] and [t["element_id"] for t in body["open_tasks"]] == ["review"]
    assert body["data"]["citizen_reply"] == {"reply": "yes"}

    response = client.post("/api/messages", headers=headers,
                           json={"name": "citizen_reply", "business_key": second.business_key})
    assert response.status_code == 200 and response.get_json()["id"] == second.id

    again = client.post(f"/api/cases/{first.id}/messages", headers=headers, json={"name": "citizen_reply"})
    assert again.status_code == 409
    assert "not waiting for message 'citizen_reply'" in again.get_json()["error"]


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/api/cases/{id}/messages", {"data": {}}, 422),
    ("/api/cases/{id}/messages", {"name": "citizen_reply", "data": [1]}, 422),
    ("/api/cases/{id}/signals", {"name": "storm_over"}, 409),
    ("/api/cases/999999/messages", {"name": "citizen_reply"}, 404),
    ("/api/messages", {"name": "citizen_reply", "business_key": "42"}, 422),
    ("/api/messages", {"name": "citizen_reply", "business_key": "CR-1999-000001"}, 404),
    ("/api/signals", {"name": "storm_over"}, 403),
])
def test_the_api_refuses_what_it_cannot_deliver(client: FlaskClient, session: Session, people: dict[str, User],
                                                path: str, body: dict[str, object], status: int) -> None:
    case = waiting_for_reply(session, people)
    headers = {"Authorization": f"Bearer {key_for(session, people['csu'])}"}
    response = client.post(path.format(id=case.id), headers=headers, json=body)
    assert response.status_code == status, response.get_json()
    assert refreshed(session, case).waiting


def test_an_administrator_broadcasts_a_signal_through_the_api(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    case = start_case(session, people["csu"], "parallel_signal", {})
    session.commit()
    headers = {"Authorization": f"Bearer {key_for(session, people['admin'])}"}
    response = client.post("/api/signals", headers=headers, json={"name": "storm_over"})
    assert response.status_code == 200
    assert response.get_json() == {"delivered": [case.id], "failed": {}, "next_after": None}
    refused = client.post("/api/signals", headers=headers, json={"name": "storm_over", "after": -1})
    assert refused.status_code == 422 and "after" in refused.get_json()["errors"]


# --- The case page -------------------------------------------------------------------------------


def test_the_case_page_says_what_the_case_waits_for_and_delivers_it(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    case = waiting_for_reply(session, people)
    login(client, "csu")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Waiting for message “citizen_reply”" in page
    assert 'name="kind" value="message"' in page and "Deliver the message" in page
    assert "Bins" in page or "bins" in page  # the case data, not {}

    token = csrf_token(client, f"/cases/{case.id}")
    refused = client.post(f"/cases/{case.id}/deliver", data={"kind": "message", "name": "citizen_reply",
                                                             "data": "{oops"})
    assert refused.status_code == 400  # no CSRF token
    bad = client.post(f"/cases/{case.id}/deliver", data={"kind": "message", "name": "citizen_reply",
                                                         "data": "{oops", "csrf_token": token})
    page = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422 and "Enter a JSON object" in page
    assert 'aria-invalid="true"' in page and ">{oops</textarea>" in page  # what was typed is kept
    listed = client.post(f"/cases/{case.id}/deliver", data={"kind": "message", "name": "citizen_reply",
                                                            "data": "[1]", "csrf_token": token})
    assert listed.status_code == 422 and "data must be a JSON object" in listed.get_data(as_text=True)
    wrong = client.post(f"/cases/{case.id}/deliver", data={"kind": "message", "name": "payment", "data": "{}",
                                                           "csrf_token": token})
    assert wrong.status_code == 409
    assert "The case no longer waits for message “payment”" in html.unescape(wrong.get_data(as_text=True))
    done = client.post(f"/cases/{case.id}/deliver", data={"kind": "message", "name": "citizen_reply",
                                                          "data": '{"reply": "yes"}', "csrf_token": token},
                       follow_redirects=True)
    page = html.unescape(done.get_data(as_text=True))
    assert done.status_code == 200 and "Message “citizen_reply” delivered." in page
    assert "Message “citizen_reply” received." in page  # the timeline
    assert "Waiting for message" not in page
    assert [t.element_id for t in open_tasks(session, refreshed(session, case))] == ["review"]


def test_an_officer_of_another_office_sees_no_delivery_form(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    case = start_case(session, people["csu"], "message_wait", {"office": "streets_parks"})
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    session.commit()
    login(client, "officer")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Waiting for message “citizen_reply”" in page and "Deliver the message" in page
    login(client, "waste_officer")
    assert client.get(f"/cases/{case.id}").status_code == 403


def test_the_case_page_warns_about_a_stuck_case(client: FlaskClient, session: Session,
                                                people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "stuck_join", {})
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    session.commit()
    login(client, "csu")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert 'id="case-stuck"' in page and "This case is stuck at join" in page
    assert metric(client, "onestop_cases_stuck") == 1  # operators get an alert, not only the case's readers


def test_the_case_page_lists_a_timer_and_a_boundary_message_side_by_side(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    case = start_case(session, people["csu"], "subprocess_boundary", {})
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    session.commit()
    login(client, "csu")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Waiting for message “withdrawn”" in page and "(on_withdrawn)" in page
    assert "Waiting for a timer due 20" in page and "(inner_pause)" in page
    assert page.count('name="kind"') == 1  # a timer is not delivered by hand
