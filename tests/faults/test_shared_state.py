"""No state lives in a web process: a login made on one process is valid on another (the session is a
cookie signed with the shared ONESTOP_SECRET_KEY), and the login rate limit is counted across
processes when its storage is Redis (ONESTOP_RATELIMIT_STORAGE)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from flask import Flask

from processes.models import User
from processes.unit import Database
from webui.app import create_app

REDIS = os.environ.get("ONESTOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
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


def test_the_login_rate_limit_is_counted_across_web_processes_in_redis(
    db: Database, people: dict[str, User], apps: list[Flask]
) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS, socket_timeout=2).ping()
    except redis.RedisError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis unreachable at {REDIS}: {err}")
        pytest.skip(f"Redis unreachable at {REDIS}: {err}")
    shared = {"SECRET_KEY": "shared", "RATELIMIT_STORAGE_URI": REDIS,
              "RATELIMIT_KEY_PREFIX": f"onestop-test-{secrets.token_hex(4)}"}  # our own keys: others unaffected
    processes = [web_process(db, **shared) for _ in range(2)]
    apps += processes
    clients = [app.test_client() for app in processes]
    statuses = [clients[n % 2].post("/login", data={"username": "officer", "password": "wrong"}).status_code
                for n in range(11)]
    assert statuses == [401] * 10 + [429]  # "10 per minute", five attempts on each process
