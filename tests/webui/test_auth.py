"""Logging in and out, and what a request without a CSRF token gets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

import processes.users
from processes.unit import Database
from processes.users import find_user
from webui.app import create_app

from .conftest import csrf_token, login


@pytest.fixture
def app(db: Database, deployed: None) -> Iterator[Flask]:
    """The app with its rate limiter on, as in production: the login must not depend on it being off."""
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://"})
    yield app
    app.extensions["onestop.db"].dispose()


def test_anonymous_users_are_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/inbox")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_officer_logs_in_and_lands_on_the_inbox(client: FlaskClient) -> None:
    login(client, "officer")
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert "<h1>Inbox</h1>" in response.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "officer", "password": "nope",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_a_post_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "officer", "password": "pw"})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)


def test_login_does_not_redirect_to_another_site(client: FlaskClient) -> None:
    response = client.post("/login?next=https://evil.example/", data={
        "username": "officer", "password": "pw", "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


# --- Timing: unknown usernames cost as much as wrong passwords ------------------------------------


def _hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the method of every password hash checked (werkzeug's check, wrapped)."""
    checked: list[str] = []
    real = processes.users.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(processes.users, "check_password_hash", counting)
    return checked


def test_an_unknown_user_costs_the_same_hash_check_as_a_wrong_password(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = _hash_checks(monkeypatch)
    for username in ("officer", "nobody"):
        response = client.post("/login", data={"username": username, "password": "nope",
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 401
    assert len(checked) == 2, checked
    assert checked[0] == checked[1] == generate_password_hash("x").split("$", 1)[0]  # same method and cost


def test_login_of_an_unknown_user_takes_as_long_as_a_wrong_password(client: FlaskClient) -> None:
    token = csrf_token(client)
    times: dict[str, list[float]] = {"officer": [], "nobody": []}
    for _ in range(4):  # interleaved, so a busy moment of the machine hits both alike
        for username, spent in times.items():
            start = time.perf_counter()
            client.post("/login", data={"username": username, "password": "nope", "csrf_token": token})
            spent.append(time.perf_counter() - start)
    # The fastest of each is the least disturbed by other work; before the fix the ratio was about 1/15.
    assert min(times["nobody"]) > 0.4 * min(times["officer"]), times


# --- Throttling: per account and per address, short, with a controllable clock --------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Clock:
    app.config["ONESTOP_CLOCK"] = clock = Clock()
    return clock


def attempt(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> int:
    """A login from `address` (which the client keeps: a login session is bound to its address)."""
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)}).status_code


def test_five_wrong_passwords_lock_the_account_for_a_minute_then_longer(client: FlaskClient, clock: Clock) -> None:
    assert [attempt(client, "officer", "nope") for _ in range(5)] == [401] * 5
    response = client.post("/login", data={"username": "officer", "password": "pw",
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 429  # even the right password, while locked
    assert response.headers["Retry-After"] == "60"
    assert "Too many failed logins. Try again in 1 minute." in response.get_data(as_text=True)
    clock.advance(seconds=61)
    assert attempt(client, "officer", "nope") == 401  # the sixth failure: two minutes
    clock.advance(seconds=61)
    assert attempt(client, "officer", "pw") == 429
    clock.advance(seconds=60)
    assert attempt(client, "officer", "pw") == 302


def test_a_correct_password_clears_the_account_failures(client: FlaskClient, clock: Clock) -> None:
    for _ in range(4):
        assert attempt(client, "officer", "nope") == 401
    assert attempt(client, "officer", "pw") == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    assert [attempt(client, "officer", "nope") for _ in range(4)] == [401] * 4  # four more allowed


def test_an_unknown_username_is_locked_like_an_existing_one(client: FlaskClient, clock: Clock) -> None:
    statuses = [attempt(client, name, "nope") for name in ("officer", "nobody") for _ in range(6)]
    assert statuses == ([401] * 5 + [429]) * 2  # the lock tells nothing about which accounts exist


def test_the_lock_of_one_account_leaves_others_alone_from_another_address(client: FlaskClient, clock: Clock) -> None:
    for _ in range(5):
        attempt(client, "officer", "nope", address="10.0.0.66")
    assert attempt(client, "officer", "pw", address="10.0.0.66") == 429
    assert attempt(client, "csu", "pw", address="10.0.0.7") == 302


def test_many_failures_from_one_address_refuse_it_for_a_minute_only(client: FlaskClient, clock: Clock) -> None:
    # A guesser behind the office's address tries 20 names, four times each: no account locks, the address does.
    statuses = [attempt(client, f"guess{n}", "nope") for n in range(5) for _ in range(4)]
    assert statuses == [401] * 20
    assert attempt(client, "officer", "pw") == 429  # the rightful user behind the same address waits...
    assert attempt(client, "officer", "pw", address="10.0.0.2") == 302  # (another address is not affected)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    clock.advance(seconds=61)
    assert attempt(client, "officer", "pw") == 302  # ...a minute at most


def test_an_empty_form_is_refused_without_counting(client: FlaskClient, clock: Clock) -> None:
    assert [attempt(client, "", "") for _ in range(6)] == [401] * 6
    assert [attempt(client, "officer", "") for _ in range(6)] == [401] * 6
    assert attempt(client, "officer", "pw") == 302


def test_failures_are_forgotten_after_a_quarter_of_an_hour(client: FlaskClient, clock: Clock) -> None:
    for _ in range(4):
        attempt(client, "officer", "nope")
    clock.advance(minutes=16)
    assert [attempt(client, "officer", "nope") for _ in range(4)] == [401] * 4


# --- Sessions end on the server --------------------------------------------------------------------


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app: Flask, client: FlaskClient) -> None:
    login(client, "officer")
    copied = client.get_cookie("session")
    assert copied is not None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    response = thief.get("/inbox")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_new_password_ends_the_users_sessions(app: Flask, client: FlaskClient, db: Database) -> None:
    login(client, "officer")
    assert client.get("/inbox").status_code == 200
    admin = app.test_client()
    login(admin, "admin")
    with db.sessions() as session:
        officer_id = find_user(session, "officer").id
    response = admin.post(f"/admin/users/{officer_id}", data={
        "display_name": "Officer", "roles": ["officer"], "active": "on", "password": "a-new-password",
        "csrf_token": csrf_token(admin, f"/admin/users/{officer_id}")})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302  # logged out
    login(client, "officer", "a-new-password")
    assert client.get("/inbox").status_code == 200


def test_an_administrator_who_changes_their_own_password_stays_logged_in_here_only(
    app: Flask, client: FlaskClient, db: Database
) -> None:
    login(client, "admin")
    elsewhere = app.test_client()
    login(elsewhere, "admin")
    with db.sessions() as session:
        admin_id = find_user(session, "admin").id
    response = client.post(f"/admin/users/{admin_id}", data={
        "display_name": "Admin", "roles": ["admin"], "active": "on", "password": "a-new-password",
        "csrf_token": csrf_token(client, f"/admin/users/{admin_id}")})
    assert response.status_code == 302
    assert client.get("/admin").status_code == 200
    assert elsewhere.get("/admin").status_code == 302


def test_a_cookie_without_a_session_version_is_refused(app: Flask, client: FlaskClient, db: Database) -> None:
    with db.sessions() as session:
        officer_id = find_user(session, "officer").id
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(officer_id)  # what a login cookie held before session versions
    assert client.get("/inbox").status_code == 302
