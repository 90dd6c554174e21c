"""Logging in and out, and what a request without a CSRF token gets."""

from __future__ import annotations

from flask.testing import FlaskClient

from .conftest import csrf_token, login


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
