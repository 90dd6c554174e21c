"""The REST API under /api/: bearer keys, every endpoint, and its OpenAPI document (both backends)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key, revoke_api_key
from processes.cases import start_case
from processes.errors import PermissionDenied
from processes.files import read_process_files
from processes.models import User
from tests.cases_factory import INTAKE, handed_over, open_task
from webui.cli import main

from .conftest import login

ROOT = Path(__file__).resolve().parents[2]


def key_for(session: Session, user: User | None, name: str = "test client") -> str:
    _, plaintext = create_api_key(session, None, name, user)
    session.commit()
    return plaintext


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def keys(app: Flask, session: Session, people: dict[str, User]) -> dict[str, dict[str, str]]:
    """Authorization headers for each person of the cast, and for an app key without a user."""
    headers = {name: bearer(key_for(session, user, name)) for name, user in people.items()}
    headers["app"] = bearer(key_for(session, None, "an app"))
    return headers


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule).replace("{fmt}", "{format}")


def test_openapi_document_describes_every_route_and_nothing_else(app: Flask, client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    served = {(openapi_path(rule.rule), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/api/", "/open311/")) for method in rule.methods or ()
              if method not in ("HEAD", "OPTIONS")}
    assert documented == served
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]
        ["bearerAuth"]["description"]}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer os_not-a-real-key"},
                                     {"Authorization": "Basic b2ZmaWNlcjpwdw=="}])
def test_requests_without_a_valid_key_get_401(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.get("/api/cases", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


def test_a_browser_session_is_not_an_api_credential(client: FlaskClient) -> None:
    login(client, "admin")
    assert client.post("/api/processes", json={"files": {"a.bpmn": "<x/>"}}).status_code == 401


def test_unknown_api_paths_and_methods_answer_in_json(client: FlaskClient) -> None:
    assert client.get("/api/nothing-here").get_json() == {"error": "Page not found.", "status": 404}
    assert client.delete("/api/cases").get_json()["status"] == 405


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "/api/cases?q=pot%00hole", None), ("get", "/api/tasks?group=cs%00u", None),
    ("post", "/api/cases", {"process_key": "citizen_request", "data": {"citizen_name": "A\x00"}}),
])
def test_text_with_nul_bytes_is_a_client_error(client: FlaskClient, keys: dict[str, dict[str, str]], method: str,
                                               path: str, body: object) -> None:
    response = getattr(client, method)(path, headers=keys["csu"], json=body)
    assert response.status_code == 422 and "NUL" in response.get_json()["error"]


def test_a_revoked_key_gets_401(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    api_key, key = create_api_key(session, None, "soon revoked", people["officer"])
    session.commit()
    assert client.get("/api/tasks", headers=bearer(key)).status_code == 200
    revoke_api_key(session, people["admin"], api_key.id)
    session.commit()
    assert client.get("/api/tasks", headers=bearer(key)).status_code == 401


def test_an_app_key_may_not_use_the_rest_api(client: FlaskClient, keys: dict[str, dict[str, str]]) -> None:
    response = client.get("/api/tasks", headers=keys["app"])
    assert response.status_code == 403
    assert "Open311" in response.get_json()["error"]


def test_only_administrators_create_keys(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        create_api_key(session, people["officer"], "mine")


def test_officer_key_cannot_claim_another_offices_task(client: FlaskClient, session: Session,
                                                       people: dict[str, User],
                                                       keys: dict[str, dict[str, str]]) -> None:
    case = handed_over(session, people, category="missed_collection")  # goes to waste
    task = open_task(session, case, "handle_request")
    response = client.post(f"/api/tasks/{task.id}/claim", headers=keys["officer"])
    assert response.status_code == 403
    assert response.get_json()["status"] == 403
    assert client.post(f"/api/tasks/{task.id}/claim", headers=keys["waste_officer"]).status_code == 200


def test_cases_are_listed_with_filters_and_pages(client: FlaskClient, session: Session, people: dict[str, User],
                                                 keys: dict[str, dict[str, str]]) -> None:
    ids = [handed_over(session, people).id for _ in range(3)]
    first = client.get("/api/cases?limit=2", headers=keys["csu"]).get_json()
    assert [c["id"] for c in first["cases"]] == ids[:0:-1]
    assert first["next_after"] == ids[1]
    second = client.get(f"/api/cases?limit=2&after={first['next_after']}", headers=keys["csu"]).get_json()
    assert [c["id"] for c in second["cases"]] == [ids[0]] and second["next_after"] is None
    assert client.get("/api/cases?status=closed", headers=keys["csu"]).get_json()["cases"] == []
    routed = client.get("/api/cases?office=streets_parks&status=open", headers=keys["officer"]).get_json()
    assert {c["office"] for c in routed["cases"]} == {"streets_parks"} and len(routed["cases"]) == 3
    assert client.get("/api/cases", headers=keys["waste_officer"]).get_json()["cases"] == []
    bad = client.get("/api/cases?status=lost&limit=0", headers=keys["csu"])
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"limit"}
    bad = client.get("/api/cases?status=lost", headers=keys["csu"])
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"status"}


def test_one_case_has_the_case_json_shape(client: FlaskClient, session: Session, people: dict[str, User],
                                          keys: dict[str, dict[str, str]]) -> None:
    case = handed_over(session, people)
    body = client.get(f"/api/cases/{case.id}", headers=keys["officer"]).get_json()
    assert {"id", "process_key", "version", "status", "office", "data", "open_tasks", "events"} <= set(body)
    assert body["office"] == "streets_parks" and body["open_tasks"][0]["element_id"] == "handle_request"
    assert client.get(f"/api/cases/{case.id}", headers=keys["waste_officer"]).status_code == 403
    missing = client.get("/api/cases/999999", headers=keys["officer"])
    assert missing.status_code == 404 and missing.get_json() == {"error": "case 999999 not found", "status": 404}


def test_a_case_is_started_through_the_api(client: FlaskClient, keys: dict[str, dict[str, str]]) -> None:
    response = client.post("/api/cases", headers=keys["csu"],
                           json={"process_key": "citizen_request", "data": {"channel": "app"}})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/cases/{body['id']}")
    assert body["channel"] == "app" and body["open_tasks"][0]["element_id"] == "intake"
    unknown = client.post("/api/cases", headers=keys["csu"], json={"process_key": "nope"})
    assert unknown.status_code == 404
    bad = client.post("/api/cases", headers=keys["csu"], json={"data": []})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"process_key", "data"}
    not_json = client.post("/api/cases", headers=keys["csu"], data="process_key=x")
    assert not_json.status_code == 422 and "body" in not_json.get_json()["errors"]


@pytest.mark.parametrize("data", [{"channel": {"a": 1}}, {"channel": "x" * 17}, {"office": 7},
                                  {"citizen_email": ["a@b.se"]}])
def test_start_data_that_does_not_fit_the_case_is_refused_with_422(client: FlaskClient, data: dict[str, object],
                                                                  keys: dict[str, dict[str, str]]) -> None:
    response = client.post("/api/cases", headers=keys["csu"], json={"process_key": "citizen_request", "data": data})
    assert response.status_code == 422 and set(response.get_json()["errors"]) == set(data)


def test_tasks_are_claimed_unclaimed_and_completed(client: FlaskClient, session: Session,
                                                   people: dict[str, User],
                                                   keys: dict[str, dict[str, str]]) -> None:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    session.commit()
    task_id = open_task(session, case, "intake").id
    mine = client.get("/api/tasks", headers=keys["csu"]).get_json()["tasks"]
    assert [t["id"] for t in mine] == [task_id] and mine[0]["group"] == "csu"
    assert client.get("/api/tasks", headers=keys["officer"]).get_json() == {"tasks": []}
    claimed = client.post(f"/api/tasks/{task_id}/claim", headers=keys["csu"]).get_json()
    assert claimed["assignee"] == "csu"
    assert client.post(f"/api/tasks/{task_id}/unclaim", headers=keys["csu"]).get_json()["assignee"] is None
    invalid = client.post(f"/api/tasks/{task_id}/complete", headers=keys["csu"],
                          json={"data": {**INTAKE, "category": "dragons", "citizen_name": ""}})
    assert invalid.status_code == 422
    assert set(invalid.get_json()["errors"]) == {"category", "citizen_name"}
    done = client.post(f"/api/tasks/{task_id}/complete", headers=keys["csu"], json={"data": INTAKE})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    again = client.post(f"/api/tasks/{task_id}/complete", headers=keys["csu"], json={"data": INTAKE})
    assert again.status_code == 409 and "already completed" in again.get_json()["error"]
    assert client.post("/api/tasks/999999/claim", headers=keys["csu"]).status_code == 404
    assert client.post(f"/api/tasks/{2**31}/claim", headers=keys["csu"]).status_code == 404


def test_processes_are_listed_and_deployed_by_administrators(client: FlaskClient,
                                                             keys: dict[str, dict[str, str]]) -> None:
    listed = client.get("/api/processes", headers=keys["officer"]).get_json()["processes"]
    assert [(v["key"], v["version"], v["status"]) for v in listed] == [
        ("citizen_request", 1, "deployed"), ("permit_application", 1, "deployed")]
    version = listed[0]
    assert "forms/intake.form" in version["files"]
    files, _ = read_process_files([ROOT / "bpmn"])
    assert client.post("/api/processes", headers=keys["officer"], json={"files": files}).status_code == 403
    same = client.post("/api/processes", headers=keys["admin"], json={"files": files})
    assert same.status_code == 200 and same.get_json()["deployed"][0]["created"] is False
    broken = {**files, "citizen_request.bpmn": files["citizen_request.bpmn"].replace("</bpmn:definitions>", "")}
    refused = client.post("/api/processes", headers=keys["admin"], json={"files": broken})
    assert refused.status_code == 422 and refused.get_json()["problems"]
    wrong = client.post("/api/processes", headers=keys["admin"], json={"files": {"notes.txt": "hi"}})
    assert wrong.status_code == 422 and "files" in wrong.get_json()["errors"]


def test_the_cli_prints_a_key_that_acts_as_its_user(app: Flask, client: FlaskClient) -> None:
    result = CliRunner().invoke(main, ["--db", app.config["DATABASE_URL"], "api-key", "create",
                                       "--name", "city app", "--user", "officer"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert re.fullmatch(r"os_[A-Za-z0-9_-]{40,}", key)
    assert client.get("/api/tasks", headers=bearer(key)).status_code == 200
    listed = CliRunner().invoke(main, ["--db", app.config["DATABASE_URL"], "api-key", "list"])
    assert "city app" in listed.stdout and "officer" in listed.stdout
