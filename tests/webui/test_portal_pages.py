"""The public portal and tracking page through the test client: bad input, bots, guessed tokens, escaping."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from processes.models import Attachment, Case, OutboxMessage
from processes.unit import Database
from webui.app import create_app

from .conftest import csrf_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"category": "pothole", "description": "A deep hole on Storgatan 3.", "citizen_name": "Alva Berg",
        "citizen_email": "alva.berg@example.org", "language": "en"}


def post_portal(client: FlaskClient, **changes: Any) -> Any:
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/portal")}
    return client.post("/portal", data=data, content_type="multipart/form-data")


def count(db: Database, model: type[Any]) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def submitted_case(db: Database) -> Case:
    with db.sessions() as session:
        return session.scalars(select(Case)).one()


def test_the_portal_form_offers_the_deployed_categories_without_login(client: FlaskClient) -> None:
    html = client.get("/portal").get_data(as_text=True)
    assert '<option value="missed_collection"' in html and "Missed waste collection" in html
    assert 'name="website"' in html and 'name="csrf_token"' in html


def test_a_request_sent_on_the_portal_opens_its_tracking_page(client: FlaskClient, db: Database) -> None:
    response = post_portal(client, photo=(io.BytesIO(PNG), "hole.png"))

    assert response.status_code == 303
    case = submitted_case(db)
    assert response.headers["Location"] == f"/track/{case.tracking_token}"
    tracked = client.get(response.headers["Location"])
    assert tracked.headers["Referrer-Policy"] == "no-referrer"
    page = tracked.get_data(as_text=True)
    assert case.business_key in page and "We received your request." in page
    assert "Thank you! We have received your request" in page
    assert count(db, OutboxMessage) == 1
    with db.sessions() as session:
        photo = session.scalars(select(Attachment)).one()
    image = client.get(f"/track/{case.tracking_token}/attachments/{photo.id}")
    assert (image.status_code, image.mimetype, image.data) == (200, "image/png", PNG)
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/track/{'x' * 32}/attachments/{photo.id}").status_code == 404


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client: FlaskClient, db: Database) -> None:
    response = post_portal(client, website="http://cheap-pills.example")
    assert response.status_code == 200
    assert "We have received your request" in response.get_data(as_text=True)
    assert count(db, Case) == 0 and count(db, OutboxMessage) == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"citizen_email": "alva.example.org"}, "Enter an e-mail address like name@example.org."),
    ({"citizen_email": ""}, "Enter your e-mail address"),
    ({"description": ""}, "Describe your request."),
    ({"category": "unicorns"}, "Choose one of the listed categories."),
    ({"photo": (b"GIF89a" + b"\x00" * 32, "cat.gif")}, "The photo must be a JPEG or PNG image."),
    ({"photo": (PNG + b"\x00" * 5 * 1024 * 1024, "big.png")}, "The photo is larger than 5 MB."),
])
def test_bad_input_is_shown_on_the_form_and_nothing_is_stored(
        client: FlaskClient, db: Database, changes: dict[str, Any], message: str) -> None:
    if "photo" in changes:  # a fresh stream for every run: the test runs once per backend
        content, name = changes["photo"]
        changes = {**changes, "photo": (io.BytesIO(content), name)}
    response = post_portal(client, **changes)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert count(db, Case) == 0


def test_a_request_larger_than_any_photo_is_refused(client: FlaskClient, db: Database) -> None:
    response = post_portal(client, photo=(io.BytesIO(PNG + b"\x00" * 6 * 1024 * 1024), "huge.png"))
    assert response.status_code == 413
    assert count(db, Case) == 0


def test_the_portal_needs_the_csrf_token(client: FlaskClient, db: Database) -> None:
    response = client.post("/portal", data=FORM)
    assert response.status_code == 400
    assert count(db, Case) == 0


def test_what_citizens_type_is_escaped_everywhere(client: FlaskClient, db: Database) -> None:
    script = "<script>alert('x')</script>"
    response = post_portal(client, description=f"Hole {script}", citizen_name=script, location=script)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert script not in page and "&lt;script&gt;" in page
    form = post_portal(client, description=script, citizen_email="bad").get_data(as_text=True)
    assert script not in form and "&lt;script&gt;" in form


@pytest.mark.parametrize("token", ["x" * 32, "abc", "%3Cscript%3E", "1' OR '1'='1"])
def test_a_wrong_or_guessed_token_shows_nothing_about_any_case(
        client: FlaskClient, db: Database, token: str) -> None:
    post_portal(client)
    case = submitted_case(db)

    response = client.get(f"/track/{token}")

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found." in html
    for secret in (case.business_key or "", "Storgatan", "Alva", "pothole", "streets"):
        assert secret not in html


def test_a_wrong_token_cannot_answer_a_survey(client: FlaskClient, db: Database) -> None:
    token = csrf_token(client, "/portal")
    response = client.post(f"/track/{'y' * 32}/survey", data={"score": "5", "csrf_token": token})
    assert response.status_code == 404


@pytest.fixture
def limited_app(db: Database, deployed: None) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": True})
    yield app
    app.extensions["onestop.db"].dispose()


def test_the_portal_is_rate_limited_per_address(limited_app: Flask, db: Database) -> None:
    client = limited_app.test_client()
    statuses = [post_portal(client, website="bot").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert client.get("/portal").status_code == 200  # reading the form is not limited
