"""/healthz, /metrics, the JSON request log, and the worker loop that waits out a database outage."""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.db import DatabaseUnavailable, utcnow
from processes.models import Timer, User
from processes.unit import Database
from processes.worker_loop import run_worker
from tests.cases_factory import handed_over, open_task
from tests.conftest import create_user
from webui.app import create_app
from webui.logging import configure_logging

from .conftest import csrf_token, login


def metric(client: FlaskClient, name: str, labels: str = "") -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_healthz_says_ok_with_the_schema_revision(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["status"] == "ok"
    assert response.json["revision"] == response.json["expected_revision"]


def test_healthz_answers_503_when_the_database_is_down_or_not_migrated(tmp_path: object) -> None:
    for url, status in (("postgresql+psycopg://postgres@127.0.0.1:1/none", "unavailable"),
                        (f"sqlite:///{tmp_path}/empty.db", "schema outdated")):
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "t"})
        response = app.test_client().get("/healthz")
        assert (response.status_code, response.json and response.json["status"]) == (503, status)
        app.extensions["onestop.db"].dispose()


def test_metrics_count_cases_tasks_due_timers_and_the_outbox_from_the_database(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    started = metric(client, "onestop_cases_started_total", '{process="citizen_request"}')
    handed_over(session, people)
    start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    session.execute(update(Timer).values(due_at=utcnow() - timedelta(minutes=5)))
    session.commit()
    assert metric(client, "onestop_cases_started_total", '{process="citizen_request"}') == started + 2
    assert metric(client, "onestop_open_tasks", '{group="csu"}') == 1
    assert metric(client, "onestop_open_tasks", '{group="streets_parks"}') == 1
    assert metric(client, "onestop_due_timers") == 1
    assert metric(client, "onestop_oldest_due_timer_seconds") >= 300
    assert metric(client, "onestop_outbox_backlog", '{state="pending"}') >= 1
    assert metric(client, "onestop_database_up") == 1


def test_step_latency_is_observed_for_a_task_completion(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    task = open_task(session, handed_over(session, people), "handle_request")
    session.commit()
    login(client, "officer")
    labels = '{kind="complete",outcome="3xx"}'
    before = metric(client, "onestop_step_duration_seconds_count", labels)
    response = client.post(f"/tasks/{task.id}", data={
        "payload": json.dumps({"outcome": "resolved", "answer": "Fixed."}), "csrf_token": csrf_token(client, "/inbox")})
    assert response.status_code == 302
    assert metric(client, "onestop_step_duration_seconds_count", labels) == before + 1


def test_metrics_are_for_loopback_or_the_token_holder(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 403
    monkeypatch.setenv("ONESTOP_METRICS_TOKEN", "s3cret")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"},
                      environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 200


def test_each_request_is_one_json_log_line_with_id_user_route_status_and_duration(
    client: FlaskClient, session: Session, people: dict[str, User]
) -> None:
    create_user(session, "analyst", ["analyst"])
    session.commit()
    login(client, "officer")
    stream = io.StringIO()
    configure_logging(stream)
    try:
        response = client.get("/inbox", headers={"X-Request-Id": "trace-42"})
    finally:
        configure_logging()
    assert response.headers["X-Request-Id"] == "trace-42"
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert {k: line[k] for k in ("logger", "request_id", "user", "route", "status", "method")} == {
        "logger": "onestop.request", "request_id": "trace-42", "user": "officer", "route": "/inbox",
        "status": 200, "method": "GET"}
    assert line["duration_ms"] > 0


def test_the_worker_loop_waits_out_a_database_outage_and_goes_on(db: Database) -> None:
    calls: list[str] = []
    stop = threading.Event()

    def flaky(_db: Database, _now: object) -> dict[str, int]:
        calls.append("round")
        if len(calls) <= 2:
            raise DatabaseUnavailable(db.url, "connection refused")
        if len(calls) == 4:
            stop.set()
        return {"timers_fired": 1, "sent": 0, "retrying": 0, "failed": 0, "kept": 0}

    rounds = run_worker(db, interval=0.01, stop=stop, work=flaky, first_pause=0.01)
    assert (len(calls), rounds) == (4, 2)
