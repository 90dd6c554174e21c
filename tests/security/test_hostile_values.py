"""Issue 12, tried as a hostile client would: values no database should keep (NaN, lone surrogates, NUL,
deep nesting, integers past 64 bits), ids past what a row can have, a script that fails, an unrouted
Open311 path. Each gets a clear client error or one CLI line with exit 1, and the database stays
readable, on both backends."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from hostile_values import BAD_VALUES, HUGE_IDS, ODD_IDS, case_body
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key
from processes.cases import start_case
from processes.deployments import deploy_version
from processes.errors import InvalidFormData
from processes.json_values import MAX_DEPTH, json_value_problem, parse_client_json
from processes.models import Case, Group, Task, User
from processes.simulation import parse_scenario
from processes.tasks import complete_task
from processes.unit import Database
from tests.cases_factory import handed_over, open_task
from tests.conftest import create_user
from webui.cli import main

pytestmark = pytest.mark.usefixtures("deployed")


def api_client(app: Flask, session: Session, user: User) -> FlaskClient:
    _, key = create_api_key(session, None, f"key of {user.username}", user)
    session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def web_client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": "pw"}).status_code == 302
    return client


def case_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Case)) or 0


def assert_searchable(client: FlaskClient) -> None:
    """A text search reads every case's data: it fails for everybody once one case holds broken JSON."""
    response = client.get("/api/cases?q=pothole")
    assert response.status_code == 200, response.get_data(as_text=True)


# -- the rule itself -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_every_bad_value_is_refused_by_the_parser_or_the_data_rule(name: str) -> None:
    try:
        value = parse_client_json(BAD_VALUES[name])
    except InvalidFormData:
        return
    assert json_value_problem({"x": value}) is not None  # what the parser lets through (70 deep), data may not hold


def test_the_rule_accepts_what_json_is_for() -> None:
    value = {"name": "Åsa Öberg 😀", "n": [1, -2**63, 2**63 - 1, 1.5, None, True], "deep": [[[[{"a": "b"}]]]]}
    assert json_value_problem(value) is None
    assert parse_client_json(json.dumps(value)) == value
    nested: Any = "leaf"
    for _ in range(MAX_DEPTH - 1):
        nested = [nested]
    assert json_value_problem({"x": nested}) is None
    assert json_value_problem({"x": [nested]}) is not None


def test_the_database_refuses_to_store_nan_even_when_no_entry_checked(session: Session,
                                                                      people: dict[str, User]) -> None:
    """The last line: the engines' JSON serializer, behind the checks at every entry."""
    case = handed_over(session, people)
    case.data = {**case.data, "score": math.nan}
    with pytest.raises((StatementError, ValueError), match="numbers must be finite"):  # psycopg: unwrapped
        session.flush()
    session.rollback()
    session.expire_all()
    assert all(math.isfinite(v) for v in session.get(Case, case.id).data.values() if isinstance(v, float))


# -- REST --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_start_data_with_a_bad_value_is_a_422_and_nothing_is_stored(
        app: Flask, session: Session, people: dict[str, User], name: str) -> None:
    client = api_client(app, session, people["csu"])
    before = case_count(session)
    response = client.post("/api/cases", data=case_body(BAD_VALUES[name]), content_type="application/json")
    assert response.status_code == 422, (name, response.status_code, response.get_data(as_text=True)[:300])
    assert response.get_json()["errors"]
    assert case_count(session) == before
    assert_searchable(client)


@pytest.mark.parametrize("name", ["NaN", "lone high surrogate", "nested 5,000 deep", "nested 70 deep",
                                  "integer past 64 bits", "NUL escape"])
def test_task_data_with_a_bad_value_is_a_422_and_the_task_stays_open(
        app: Flask, session: Session, people: dict[str, User], name: str) -> None:
    client = api_client(app, session, people["csu"])
    started = client.post("/api/cases", json={"process_key": "citizen_request", "data": {"channel": "phone"}})
    task_id = started.get_json()["open_tasks"][0]["id"]
    body = '{"data": {"channel": "phone", "description": ' + BAD_VALUES[name] + "}}"
    response = client.post(f"/api/tasks/{task_id}/complete", data=body, content_type="application/json")
    assert response.status_code == 422, (name, response.status_code)
    session.expire_all()
    assert session.get(Task, task_id).status == "open"
    assert_searchable(client)


def test_a_form_value_with_a_lone_surrogate_is_refused_by_the_operation(
        session: Session, people: dict[str, User]) -> None:
    """Forms, the portal and Open311 hand case data to the same operations; they check it too."""
    with pytest.raises(InvalidFormData):
        start_case(session, people["csu"], "citizen_request", {"channel": "phone", "note": "a\ud800"})
    session.rollback()
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    with pytest.raises(InvalidFormData):
        complete_task(session, people["csu"], open_task(session, case, "intake").id, {"description": "\udfff"})


@pytest.mark.parametrize("name", ["NaN", "lone high surrogate", "nested 5,000 deep", "nested 70 deep",
                                  "integer past 64 bits"])
def test_a_test_run_scenario_with_a_bad_value_is_refused(name: str) -> None:
    """The modeler's test run: its scenario becomes case data in the run, and is kept with the draft."""
    with pytest.raises(InvalidFormData) as refused:
        parse_scenario("s", '{"x": ' + BAD_VALUES[name] + "}", "[]")
    assert set(refused.value.errors) == {"start_data"}
    with pytest.raises(InvalidFormData):
        parse_scenario("s", "{}", '[{"task": "intake", "data": {"x": ' + BAD_VALUES[name] + "}}]")


HOSTILE_SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://x">
  <bpmn:process id="hostile_script" name="Hostile script" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Compute"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>share = 100 / parts * factor
count = parts * 10 ** digits</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(("data", "detail"), [
    ({"parts": 0, "factor": 1, "digits": 1}, "division by zero"),
    ({"parts": 1, "factor": 1e308, "digits": 1}, "finite"),  # the script computes inf
    ({"parts": 1, "factor": 1, "digits": 30}, "64 bits"),  # and an integer SQLite cannot keep
])
def test_a_script_failing_at_run_time_is_a_422_naming_the_element(
        app: Flask, session: Session, people: dict[str, User], data: dict[str, Any], detail: str) -> None:
    deploy_version(session, people["admin"], {"hostile_script.bpmn": HOSTILE_SCRIPT})
    session.commit()
    client = api_client(app, session, people["csu"])
    before = case_count(session)
    response = client.post("/api/cases", json={"process_key": "hostile_script", "data": data})
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["element_id"] == "compute" and detail in body["detail"]
    assert case_count(session) == before
    assert_searchable(client)


def test_unclaiming_another_offices_unassigned_task_is_forbidden(
        app: Flask, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, handed_over(session, people), "handle_request")  # streets_parks, unassigned
    response = api_client(app, session, people["waste_officer"]).post(f"/api/tasks/{task.id}/unclaim")
    assert response.status_code == 403
    assert "handle_request" not in response.get_data(as_text=True)


def test_unrouted_open311_paths_answer_with_the_open311_error_list(app: Flask) -> None:
    client = app.test_client()
    for path in ("/open311/v2/nothing.json", "/open311/v2/", "/open311/v2", "/open311/v2/requests/a/b.json"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json() == [{"code": 404, "description": "Page not found."}], path
    xml = client.get("/open311/v2/nothing.xml")
    assert xml.status_code == 404 and b"<errors>" in xml.data
    wrong_method = client.delete("/open311/v2/services.json")
    assert wrong_method.status_code == 405 and wrong_method.get_json()[0]["code"] == 405


# -- numbers in query strings and forms ------------------------------------------------------------------

@pytest.fixture
def targets(session: Session, people: dict[str, User]) -> dict[str, int]:
    case = handed_over(session, people)
    group = session.scalars(select(Group).where(Group.name == "streets_parks")).one()
    create_user(session, "analyst", ["analyst"])
    session.commit()
    return {"case": case.id, "task": open_task(session, case, "handle_request").id, "group": group.id,
            "user": people["officer"].id}


def number_requests(t: dict[str, int], n: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, path, form) for every place a client writes a number into a query string or a form."""
    return [
        ("GET", f"/cases?after={n}", {}), ("GET", f"/cases?limit={n}", {}),
        ("GET", f"/inbox?assignee={n}", {}), ("GET", f"/intake/kb?chosen={n}", {}),
        ("POST", "/inbox/reassign", {"assignee": n, "task_ids": n}),
        ("POST", "/inbox/reassign", {"assignee": str(t["user"]), "task_ids": n}),
        ("POST", f"/inbox/tasks/{t['task']}/assign", {"assignee": n}),
        ("POST", f"/citizens/{t['case']}/duplicate", {"original_case_id": n}),
        ("POST", "/intake", {"kb_article_id": n}),
        ("POST", f"/admin/users/{t['user']}/memberships", {"group_id": n}),
        ("POST", f"/admin/groups/{t['group']}/members", {"user_id": n}),
        ("GET", f"/admin/processes/citizen_request/migrate?source={n}&dry_run=1", {}),
        ("POST", "/admin/processes/citizen_request/migrate", {"source": "1", "target": n, "cases": n}),
        ("GET", f"/api/cases?after={n}", {}), ("GET", f"/api/cases?limit={n}", {}),
    ]


@pytest.mark.parametrize("number", HUGE_IDS + ODD_IDS)
def test_numbers_no_row_can_have_are_client_errors(app: Flask, session: Session, people: dict[str, User],
                                                     targets: dict[str, int], number: str) -> None:
    web = web_client(app, "admin")
    api = api_client(app, session, people["admin"])
    for method, path, form in number_requests(targets, number):
        client = api if path.startswith("/api/") else web
        response = client.open(path, method=method, data=form)
        # 200 where a garbled value only filters nothing (a stale kb choice, an empty page after a cursor)
        assert response.status_code < 500, (method, path, form, response.status_code)
        if method == "POST" or path.startswith(("/cases?after", "/inbox", "/api/")):
            assert 400 <= response.status_code < 500, (method, path, form, response.status_code)
    assert_searchable(api)


# -- the command line ------------------------------------------------------------------------------------

@pytest.fixture
def cli(db: Database) -> Any:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", db.url, *args], catch_exceptions=False)

    return run


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("name", sorted(BAD_VALUES))
def test_cli_data_with_a_bad_value_is_one_line_and_exit_1(cli: Any, session: Session, name: str) -> None:
    before = case_count(session)
    data = '{"channel": "phone", "x": ' + BAD_VALUES[name] + "}"
    assert "data" in one_error_line(cli("start", "citizen_request", "--data", data, "--user", "csu"))
    case_id = int(cli("start", "citizen_request", "--user", "csu").stdout)
    task_id = session.scalars(select(Task.id).where(Task.case_id == case_id)).one()
    assert "data" in one_error_line(cli("complete", str(task_id), "--user", "csu", "--data", data))
    assert case_count(session) == before + 1


@pytest.mark.parametrize("number", HUGE_IDS + ("0", "٣", "x"))  # "-1" is an unknown option to click
def test_cli_ids_no_row_can_have_are_one_line_and_exit_1(cli: Any, number: str) -> None:
    for args in (("case", "show", number), ("timers", "retry", number), ("claim", number, "--user", "csu"),
                 ("complete", number, "--user", "csu"), ("unclaim", number, "--user", "csu"),
                 ("diff", "citizen_request", "1", number), ("retire", "citizen_request", number),
                 ("migrate", "citizen_request", "--from", "1", "--to", number, "--dry-run"),
                 ("migrate", "citizen_request", "--from", "1", "--to", "1", "--case", number, "--dry-run"),
                 ("outbox", "--case", number), ("api-key", "revoke", number)):
        assert "must be a whole number from 1 to 2147483647" in one_error_line(cli(*args)), args
    # A case named by id or business key: a number no row can have is no case
    assert "not found" in one_error_line(cli("message", number, "reply", "--user", "admin"))
