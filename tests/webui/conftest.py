"""Flask test-client fixtures: the real app on the real databases (both backends)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from processes.unit import Database
from webui.app import create_app
from webui.cli import main


@pytest.fixture
def app(db: Database, deployed: None) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["onestop.db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a page embeds, as a browser would send it back."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = "pw") -> None:
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def cli(db: Database):  # type: ignore[no-untyped-def]
    """`cli("tasks", "--json")` runs `onestop --db <this test's database> tasks --json` in process."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", db.url, *args], catch_exceptions=False)

    return run
