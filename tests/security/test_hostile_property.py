"""Property: whatever a client sends to the REST API, the forms (the task page's payload included) or the
CLI, OneStop answers with a success or a client error (one line and exit 1 on the command line), never a
5xx or a traceback, and the database stays readable: a text search over every case's data still answers.

Values are drawn from JSON as Python's json module writes it (NaN, Infinity, integers of any size, lone
surrogates, NUL), from deep nesting, and, for forms and ids, from arbitrary bytes and text. Bounded so
that each test runs in seconds per backend."""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes, urlencode

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hostile_values import BAD_VALUES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key
from processes.case_search import search_cases
from processes.models import User
from processes.unit import Database
from tests.citizen_data import INTAKE
from webui.cli import main

pytestmark = pytest.mark.usefixtures("deployed")

BOUNDED = settings(max_examples=25, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = st.text(max_size=12) | st.sampled_from(["\ud800", "a\udc00", "a\x00b", "😀", "Åsa"])
LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | TEXT
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=8)
# As a client writes JSON: Python's json.dumps writes NaN, Infinity, lone surrogates (as \ud800) and NUL.
JSON_TEXT = (VALUES.map(lambda v: json.dumps(v, allow_nan=True))
             | st.integers(30, 6_000).map(lambda n: "[" * n + "]" * n)
             | st.sampled_from(sorted(BAD_VALUES.values())))
NUMBERS = (st.integers(-5, 2**70).map(str) | st.text(max_size=25)
           | st.sampled_from(["2147483648", str(2**63), "٣", "²", "1e3", "0x1f"]))


@pytest.fixture
def api(app: Flask, session: Session, people: dict[str, User]) -> FlaskClient:
    _, key = create_api_key(session, None, "fuzzer", people["csu"])
    session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def still_readable(api: FlaskClient) -> None:
    response = api.get("/api/cases?q=a")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.fixture
def csu_web(app: Flask, api: FlaskClient) -> FlaskClient:
    web = app.test_client()
    assert web.post("/login", data={"username": "csu", "password": "pw"}).status_code == 302
    return web


@BOUNDED
@given(value=JSON_TEXT)
def test_the_rest_api_answers_any_json_with_success_or_a_client_error(api: FlaskClient, csu_web: FlaskClient,
                                                                      value: str) -> None:
    body = '{"process_key": "citizen_request", "data": {"channel": "phone", "x": ' + value + "}}"
    started = api.post("/api/cases", data=body, content_type="application/json")
    assert started.status_code in (201, 422), (value[:200], started.status_code)
    case = api.post("/api/cases", json={"process_key": "citizen_request", "data": {"channel": "phone"}})
    task_id = case.get_json()["open_tasks"][0]["id"]
    intake = json.dumps({**INTAKE, "description": "DESCRIPTION"}).replace('"DESCRIPTION"', value)
    on_the_page = csu_web.post(f"/tasks/{task_id}", data={"payload": intake})  # the task page's form-js payload
    assert on_the_page.status_code in (302, 422), (value[:200], on_the_page.status_code)
    completed = api.post(f"/api/tasks/{task_id}/complete", data='{"data": ' + intake + "}",
                         content_type="application/json")
    assert completed.status_code in (200, 409, 422), (value[:200], completed.status_code)
    still_readable(api)


@BOUNDED
@given(text=st.binary(max_size=40), number=NUMBERS)
def test_forms_and_query_strings_answer_any_bytes_with_success_or_a_client_error(
        app: Flask, api: FlaskClient, text: bytes, number: str) -> None:
    web = app.test_client()
    assert web.post("/login", data={"username": "csu", "password": "pw"}).status_code == 302
    raw = quote_from_bytes(text)
    portal = app.test_client().post("/portal", content_type="application/x-www-form-urlencoded",
                                    data=f"category=pothole&citizen_name={raw}&description={raw}&citizen_email=a%40b.se")
    assert portal.status_code < 500, (text, portal.status_code)
    intake = web.post("/intake", content_type="application/x-www-form-urlencoded",
                      data=f"channel=phone&citizen_name={raw}&category=pothole&description={raw}&"
                           + urlencode({"kb_article_id": number}))
    assert intake.status_code < 500, (text, number, intake.status_code)
    for path in ("/cases", "/inbox", "/intake/kb", "/api/cases"):
        client = api if path.startswith("/api/") else web
        response = client.get(f"{path}?{urlencode({'after': number, 'assignee': number, 'chosen': number})}&q={raw}")
        assert response.status_code < 500, (path, number, text, response.status_code)
    still_readable(api)


@BOUNDED
@given(value=JSON_TEXT, number=NUMBERS)
def test_the_cli_answers_any_data_or_id_with_success_or_one_error_line(
        db: Database, session: Session, value: str, number: str) -> None:
    runner = CliRunner()
    for args in (("start", "citizen_request", "--data", '{"channel": "phone", "x": ' + value + "}"),
                 ("case", "show", "--", number), ("timers", "retry", "--", number),
                 ("claim", "--user", "csu", "--", number)):
        result = runner.invoke(main, ["--db", db.url, *args])
        assert result.exit_code in (0, 1), (args, result.exit_code, result.output[-500:])
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 1:
            assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: "), (args, result.stderr)
    session.expire_all()
    assert search_cases(session, None, text="a").cases is not None


def test_the_drawn_values_include_every_kind_of_trouble() -> None:
    """The strategies reach what the issue found; a property over tame values would prove nothing."""
    seen: set[str] = set()

    @settings(max_examples=400, deadline=None, database=None)
    @given(value=JSON_TEXT)
    def look(value: str) -> None:
        for mark, kind in (("NaN", "nan"), ("Infinity", "inf"), ("\\ud8", "surrogate"), ("\\u0000", "nul"),
                           ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "deep")):
            if mark in value:
                seen.add(kind)
        if any(len(token) > 19 for token in value.replace("-", " ").replace(",", " ").split()
               if token.strip("[]{}:").isdigit()):
            seen.add("huge int")

    look()
    assert seen == {"nan", "inf", "surrogate", "nul", "deep", "huge int"}
