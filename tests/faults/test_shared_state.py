"""No state lives in a web process: a login made on one process is valid on another (the session is a
cookie signed with the shared ONESTOP_SECRET_KEY), and failed logins are counted across processes
(in the database, processes/login_throttle.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from processes.models import User
from processes.unit import Database
from webui.app import create_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_db: Database) -> Database:
    return pg_db


def web_process(db: Database, **config: object) -> Flask:
    return create_app({"DATABASE_URL": db.url, "TESTING": True, "WTF_CSRF_ENABLED": False, **config})


@pytest.fixture
def apps(db: Database) -> Iterator[list[Flask]]:
    made: list[Flask] = []
    yield made
    for app in made:
        app.extensions["onestop.db"].dispose()


def test_a_login_on_one_web_process_is_valid_on_another_with_the_shared_key(
    db: Database, people: dict[str, User], apps: list[Flask]
) -> None:
    one, two, stranger = (web_process(db, SECRET_KEY=key) for key in ("shared", "shared", "other-host"))
    apps += [one, two, stranger]
    client = one.test_client()
    assert client.post("/login", data={"username": "officer", "password": "pw"}).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    for app, status in ((two, 200), (stranger, 302)):  # a host with its own key does not know the login
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        assert other.get("/inbox").status_code == status


def test_failed_logins_are_counted_across_web_processes_in_the_database(
    db: Database, people: dict[str, User], apps: list[Flask]
) -> None:
    processes = [web_process(db, SECRET_KEY="shared") for _ in range(2)]
    apps += processes
    clients = [app.test_client() for app in processes]
    statuses = [clients[n % 2].post("/login", data={"username": "officer", "password": "wrong"}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]  # five failures lock the account, three on one process, two on the other
    assert clients[0].post("/login", data={"username": "officer", "password": "pw"}).status_code == 429
