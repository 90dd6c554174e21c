"""PostgreSQL restarted under load: the web app and the worker recover by themselves, nothing is lost.

A private server (never the shared one on 5432) carries a web app, driven through its task page as
an officer's browser would, and a worker loop. Halfway through, the server is restarted; both keep
going in the same process, and every intended completion and every timer lands exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fault_setup import INTAKE, cases_at_the_office, count_events, intake_task, make_timers_due, projection_problems
from flask import Flask
from private_pg import NoPostgres, PrivatePostgres, private_postgres
from sqlalchemy import func, select

from processes.db import upgrade
from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.load_copies import copy_case
from processes.models import Task, Timer
from processes.unit import Database
from processes.users import ensure_group
from processes.worker_loop import run_worker
from tests.conftest import BPMN_DIR, OFFICES, create_user
from webui.app import create_app

COMPLETIONS = 40
TIMERS = 40
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def server() -> Iterator[PrivatePostgres]:
    try:
        with private_postgres() as running:
            yield running
    except NoPostgres as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{err} (CI=true: this fault test must run)")
        pytest.skip(str(err))


def seed(database: Database) -> tuple[list[int], list[int]]:
    """People, bpmn/ deployed; COMPLETIONS intake tasks and TIMERS cases at the office."""
    with database.sessions() as session:
        csu = create_user(session, "csu", ["csu_agent"], ("csu",))
        admin = create_user(session, "admin", ["admin"])
        for office in OFFICES:
            ensure_group(session, office, office.replace("_", " ").title())
        deploy_version(session, admin, read_process_files([BPMN_DIR])[0])
        session.commit()
        first_intake = session.get(Task, intake_task(session, csu))
        assert first_intake is not None
        copies = copy_case(session, first_intake.case_id, COMPLETIONS - 1, ref_prefix="RESTART")
        tasks = [first_intake.id, *session.scalars(select(Task.id).where(Task.case_id.in_(copies)))]
        template = cases_at_the_office(session, csu, 1)[0]
        timer_cases = [template, *copy_case(session, template, TIMERS - 1, ref_prefix="TIMER")]
        session.commit()
        return tasks, timer_cases


class Officer(threading.Thread):
    """Completes each task through the web app, retrying while the app answers 503."""

    def __init__(self, app: Flask, task_ids: list[int]):
        super().__init__(name="officer", daemon=True)
        self.client = app.test_client()
        self.errors = Captured(logging.ERROR)  # what the app logs with a 500, for the assertion message
        app.logger.addHandler(self.errors)
        self.task_ids = task_ids
        self.landed: dict[int, str] = {}
        self.statuses: list[int] = []

    def run(self) -> None:
        self._until_up(lambda: self.client.post("/login", data={"username": "csu", "password": "pw"}), 302)
        for task_id in self.task_ids:
            response = self._until_up(lambda t=task_id: self.client.post(
                f"/tasks/{t}", data={"payload": json.dumps(INTAKE)}), 302, 409)
            self.landed[task_id] = "completed" if response.status_code == 302 else "already completed by me"
            time.sleep(0.02)

    def _until_up(self, send: Any, *accepted: int) -> Any:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            response = send()
            self.statuses.append(response.status_code)
            if response.status_code in accepted:
                return response
            assert response.status_code == 503, (response.status_code, _message(response), self.errors.messages)
            time.sleep(0.1)
        raise AssertionError("the web app did not recover within 90 s")


class Captured(logging.Handler):
    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record) if record.exc_info else record.getMessage())


def test_web_and_worker_recover_from_a_database_restart_and_lose_nothing(server: PrivatePostgres) -> None:
    upgrade(server.url)
    database = Database(server.url)
    tasks, timer_cases = seed(database)
    app = create_app({"DATABASE_URL": server.url, "TESTING": True, "SECRET_KEY": "t", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    worker_log = Captured()
    logging.getLogger("onestop.worker").addHandler(worker_log)
    worker_db, stop = Database(server.url), threading.Event()
    worker = threading.Thread(target=run_worker, name="worker", daemon=True,
                              kwargs={"database": worker_db, "interval": 0.05, "stop": stop})
    officer = Officer(app, tasks)
    try:
        with database.sessions() as session:
            make_timers_due(session, timer_cases[: TIMERS // 2])
        worker.start()
        officer.start()
        _wait_for(lambda: len(officer.landed) >= COMPLETIONS // 4, "the first completions")
        server.restart()
        with database.sessions() as session:  # more work arrives after the restart
            make_timers_due(session, timer_cases[TIMERS // 2:])
        officer.join(timeout=120)
        assert not officer.is_alive(), "the officer is still retrying"
        _wait_for(lambda: _waiting(database, timer_cases) == 0, "the worker to fire every timer")
        assert worker.is_alive(), "the worker loop ended instead of waiting out the restart"
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        stop.set()
        worker.join(timeout=30)
        logging.getLogger("onestop.worker").removeHandler(worker_log)
        app.extensions["onestop.db"].dispose()
        worker_db.dispose()

    print(f"web answers {sorted(set(officer.statuses))}, {officer.statuses.count(503)} x 503; "
          f"landed {sorted(set(officer.landed.values()))}; worker said {sorted(set(worker_log.messages))}")
    restart_felt = 503 in officer.statuses or "database unavailable; retrying" in worker_log.messages
    assert restart_felt, "the restart went unnoticed: the test did not test anything"
    _assert_nothing_lost(database, tasks, timer_cases)
    database.dispose()


def _wait_for(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _waiting(database: Database, case_ids: list[int]) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Timer)
                                  .where(Timer.case_id.in_(case_ids), Timer.state == "waiting")) or 0)


def _assert_nothing_lost(database: Database, tasks: list[int], timer_cases: list[int]) -> None:
    with database.sessions() as session:
        for task_id in tasks:
            assert count_events(session, "task_completed", task_id=task_id) == 1, task_id
        assert session.scalar(select(func.count()).select_from(Task)
                              .where(Task.id.in_(tasks), Task.status != "completed")) == 0
        for case_id in timer_cases:
            assert count_events(session, "escalated", case_id=case_id) == 1, case_id
        assert set(session.scalars(select(Timer.state).where(Timer.case_id.in_(timer_cases)))) == {"fired"}
        for case_id in [*timer_cases[::8], *session.scalars(select(Task.case_id).where(Task.id.in_(tasks[::8])))]:
            assert projection_problems(session, case_id) == []


def _message(response: Any) -> str:
    import re

    text = response.get_data(as_text=True)
    found = re.search(r'<main[^>]*>(.*?)</main>', text, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1) if found else text))[:500]
