"""The tracking page asks the citizen the office's question and takes the reply: text and a photo."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.models import Case, Task, User
from processes.tasks import complete_task
from processes.unit import Database
from tests.cases_factory import handed_over, open_task
from webui.app import create_app

from .conftest import csrf_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def asked(session: Session, people: dict[str, User], deployed: None) -> Case:
    case = handed_over(session, people)
    complete_task(session, people["officer"], open_task(session, case, "handle_request").id,
                  {"outcome": "need_info", "info_question": "Which side of the street?"})
    session.commit()
    return case


def reply(client: FlaskClient, case: Case, **data: object) -> object:
    track = f"/track/{case.tracking_token}"
    return client.post(f"{track}/reply", data={"csrf_token": csrf_token(client, track), **data},
                       content_type="multipart/form-data")


def test_the_citizen_answers_the_question_on_the_tracking_page(client: FlaskClient, asked: Case,
                                                                session: Session) -> None:
    page = client.get(f"/track/{asked.tracking_token}").get_data(as_text=True)
    assert "Which side of the street?" in page and "Reply to our question" in page
    assert f'action="/track/{asked.tracking_token}/reply"' in page and 'enctype="multipart/form-data"' in page

    response = reply(client, asked, reply="North side, by the bakery.", photo=(io.BytesIO(PNG), "hole.png"))

    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/track/{asked.tracking_token}").get_data(as_text=True)
    assert "we have your reply" in page and "Reply to our question" not in page
    assert "We have your reply; the office goes on with your request." in page
    session.expire_all()
    contact = session.scalars(select(Task).where(Task.case_id == asked.id, Task.element_id == "contact_citizen")).one()
    assert contact.status == "completed" and contact.form_data == {"citizen_reply": "North side, by the bakery."}


def test_an_empty_reply_is_shown_again_with_its_error_in_swedish(client: FlaskClient, asked: Case) -> None:
    track = f"/track/{asked.tracking_token}"
    token = csrf_token(client, track)
    response = client.post(f"{track}/reply", data={"csrf_token": token, "reply": " "},
                           headers={"Accept-Language": "sv"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Skriv ditt svar." in page and "Svara på vår fråga" in page


def test_without_the_csrf_token_nothing_is_taken(client: FlaskClient, asked: Case, session: Session) -> None:
    response = client.post(f"/track/{asked.tracking_token}/reply", data={"reply": "North side"})
    assert response.status_code == 400
    assert open_task(session, asked, "contact_citizen").status == "open"


def test_after_the_csus_phone_answer_the_page_says_so_instead_of_asking(
        client: FlaskClient, asked: Case, session: Session, people: dict[str, User]) -> None:
    track = f"/track/{asked.tracking_token}"
    token = csrf_token(client, track)
    complete_task(session, people["csu"], open_task(session, asked, "contact_citizen").id,
                  {"citizen_reply": "Phoned in: north side."})
    session.commit()
    response = client.post(f"{track}/reply", data={"csrf_token": token, "reply": "North side"})
    assert response.status_code == 303
    page = client.get(track).get_data(as_text=True)
    assert "not waiting for a reply from you" in page and "Reply to our question" not in page


@pytest.fixture
def limited_app(db: Database, deployed: None) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": True})
    yield app
    app.extensions["onestop.db"].dispose()


def test_replies_are_rate_limited(limited_app: Flask, asked: Case) -> None:
    client = limited_app.test_client()
    statuses = [reply(client, asked, reply="").status_code for _ in range(6)]  # type: ignore[attr-defined]
    assert statuses == [422] * 5 + [429]
