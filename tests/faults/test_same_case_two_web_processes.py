"""The same case stepped from two web processes at once: one commits, the other is told of the conflict,
and the case never forks: its stored state restores and its open tasks are the engine's ready tasks.

Two app instances, each with its own engine and connection pool (as two gunicorn processes have),
driven by two officers' clients in two threads that start each request at the same moment.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator

import pytest
from fault_setup import RESOLVED, cases_at_the_office, count_events, office_task, projection_problems
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from processes.load_copies import copy_case
from processes.models import Task, User
from processes.unit import Database
from tests.conftest import create_user
from webui.app import create_app

ROUNDS_PER_SCENARIO = 8
pytestmark = pytest.mark.postgres
Action = Callable[[FlaskClient, int], TestResponse]


@pytest.fixture
def db(pg_db: Database) -> Database:
    return pg_db


@pytest.fixture
def two_apps(db: Database) -> Iterator[tuple[Flask, Flask]]:
    apps = tuple(create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "shared",
                             "RATELIMIT_ENABLED": False}) for _ in range(2))
    assert apps[0].extensions["onestop.db"].engine is not apps[1].extensions["onestop.db"].engine
    yield apps[0], apps[1]
    for app in apps:
        app.extensions["onestop.db"].dispose()


def logged_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    token = _token(client.get("/login"))
    response = client.post("/login", data={"username": username, "password": "pw", "csrf_token": token})
    assert response.status_code == 302
    return client, _token(client.get("/inbox"))


def _token(response: TestResponse) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def complete(token: str) -> Action:
    return lambda client, task_id: client.post(f"/tasks/{task_id}", data={
        "payload": json.dumps(RESOLVED), "csrf_token": token})


def claim(token: str) -> Action:
    return lambda client, task_id: client.post(f"/inbox/tasks/{task_id}/claim", data={"csrf_token": token})


def at_once(first: tuple[FlaskClient, Action], second: tuple[FlaskClient, Action], task_id: int) -> list[int]:
    """Both requests leave at the same moment; their statuses in the order given."""
    barrier, statuses = threading.Barrier(2), [0, 0]

    def send(slot: int, client: FlaskClient, action: Action) -> None:
        barrier.wait(timeout=30)
        statuses[slot] = action(client, task_id).status_code

    threads = [threading.Thread(target=send, args=(slot, *pair)) for slot, pair in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@pytest.mark.usefixtures("deployed")
def test_two_web_processes_stepping_one_case_have_one_winner_and_the_case_never_forks(
    db: Database, session: Session, people: dict[str, User], two_apps: tuple[Flask, Flask]
) -> None:
    create_user(session, "officer2", ["officer"], ("streets_parks",))
    session.commit()
    template = cases_at_the_office(session, people["csu"], 1)[0]
    cases = [template, *copy_case(session, template, 3 * ROUNDS_PER_SCENARIO - 1, ref_prefix="TWO")]
    session.commit()
    (one, one_token), (two, two_token) = logged_in(two_apps[0], "officer"), logged_in(two_apps[1], "officer2")
    scenarios = {
        "both complete": ((one, complete(one_token)), (two, complete(two_token))),
        "both claim": ((one, claim(one_token)), (two, claim(two_token))),
        "one claims, one completes": ((one, claim(one_token)), (two, complete(two_token))),
    }
    for n, case_id in enumerate(cases):
        name = list(scenarios)[n % len(scenarios)]
        task_id = office_task(session, case_id)
        statuses = at_once(*scenarios[name], task_id)
        assert sorted(statuses) == [302, 409], (name, case_id, statuses)
        session.expire_all()
        assert projection_problems(session, case_id) == [], name
        task = session.get(Task, task_id)
        assert task is not None
        completed = count_events(session, "task_completed", task_id=task_id)
        if name == "both complete" or (name.startswith("one claims") and statuses[1] == 302):
            assert (task.status, completed) == ("completed", 1), (name, statuses)
        else:
            assert (task.status, completed) == ("open", 0), (name, statuses)
            assert count_events(session, "task_claimed", task_id=task_id) == 1
