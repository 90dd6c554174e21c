"""A message without a case, from the outside: `onestop message NAME --data` and `POST /api/messages`
without a business key find the case by BPMN correlation, or start one by a message start event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.deployments import deploy_version
from processes.models import Case, User

from .test_api import key_for

BPMN = Path(__file__).resolve().parents[1] / "conformance" / "bpmn"


@pytest.fixture(autouse=True)
def processes(session: Session, people: dict[str, User]) -> None:
    files = {name: (BPMN / name).read_text() for name in ("message_correlation.bpmn", "message_start.bpmn")}
    deploy_version(session, people["admin"], files)
    session.commit()


def awaiting(session: Session, people: dict[str, User], application_id: str) -> Case:
    case = start_case(session, people["csu"], "message_correlation", {"application_id": application_id})
    session.commit()
    return case


def status_of(session: Session, case: Case) -> str:
    session.expire_all()
    fresh = session.get(Case, case.id)
    assert fresh is not None
    return fresh.status


def test_the_message_command_without_a_case_delivers_to_the_correlated_case(  # type: ignore[no-untyped-def]
    cli, session: Session, people: dict[str, User]
) -> None:
    awaiting(session, people, "A-16")
    case = awaiting(session, people, "A-17")
    shown = cli("case", "show", str(case.id)).stdout
    assert "waiting for message 'decision' (application_id = \"A-17\") at wait_decision" in shown
    [wait] = json.loads(cli("case", "show", str(case.id), "--json").stdout)["waiting"]
    assert wait["correlation"] == {"application_id": "A-17"}
    result = cli("message", "decision", "--data", '{"application_id": "A-17", "outcome": "granted"}')
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"message 'decision' delivered to case {case.id} ({case.business_key}); case closed"


def test_the_message_command_starts_a_case_by_its_message_start_event(  # type: ignore[no-untyped-def]
    cli, session: Session, people: dict[str, User]
) -> None:
    result = cli("message", "application_received", "--data", '{"application_id": "B-1", "kind": "tree"}',
                 "--user", "csu")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("message 'application_received' started case ")
    assert result.stdout.strip().endswith("of message_start")


@pytest.mark.parametrize(("args", "message"), [
    (("message", "decision", "--data", '{"application_id": "A-99"}'),
     "error: no case waits for message 'decision' with these correlation values, and no deployed process "
     "starts with it"),
    (("message", "decision", "--data", '{"application_id": "A-17", "outcome": "x"}'),
     "error: message 'decision' correlates to 2 cases"),
    (("message", "a", "b", "c"), "error: give the message name, and before it the case if you know it"),
])
def test_a_message_without_a_case_that_cannot_be_placed_is_one_line_and_exit_1(  # type: ignore[no-untyped-def]
    cli, session: Session, people: dict[str, User], args: tuple[str, ...], message: str
) -> None:
    cases = [awaiting(session, people, "A-17"), awaiting(session, people, "A-17")]
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert [status_of(session, c) for c in cases] == ["open", "open"]


def test_the_api_correlates_a_message_without_a_business_key(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    headers = {"Authorization": f"Bearer {key_for(session, people['csu'])}"}
    case = awaiting(session, people, "A-17")
    response = client.post("/api/messages", headers=headers,
                           json={"name": "decision", "data": {"application_id": "A-17", "outcome": "granted"}})
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["id"], response.get_json()["status"]) == (case.id, "closed")

    response = client.post("/api/messages", headers=headers,
                           json={"name": "application_received", "data": {"application_id": "B-2", "kind": "x"}})
    assert response.status_code == 201, response.get_json()
    started = response.get_json()
    assert response.headers["Location"].endswith(f"/api/cases/{started['id']}")
    assert started["process_key"] == "message_start"


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"name": "decision", "data": {"application_id": "A-99"}}, 409, "no case waits for message 'decision'"),
    ({"name": "decision", "data": {"application_id": "A-17"}}, 409, "correlates to 2 cases"),
    ({"name": "decision", "data": [1]}, 422, "data must be a JSON object"),
    ({"data": {"application_id": "A-17"}}, 422, "name"),
])
def test_the_api_refuses_a_message_it_cannot_place(client: FlaskClient, session: Session, people: dict[str, User],
                                                   body: dict[str, object], status: int, error: str) -> None:
    cases = [awaiting(session, people, "A-17"), awaiting(session, people, "A-17")]
    headers = {"Authorization": f"Bearer {key_for(session, people['csu'])}"}
    response = client.post("/api/messages", headers=headers, json=body)
    assert response.status_code == status, response.get_json()
    assert error in str(response.get_json())
    assert [status_of(session, c) for c in cases] == ["open", "open"]
