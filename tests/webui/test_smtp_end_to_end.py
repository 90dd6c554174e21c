"""End to end over real SMTP (aiosmtpd on 127.0.0.1): portal -> acknowledgement -> answer -> survey."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.models import Case, OutboxMessage, SurveyResponse, Task, User
from processes.tasks import claim_task, complete_task
from processes.unit import Database
from processes.worker import run_worker_round
from tests.mailbox import Mailbox

from .conftest import csrf_token

CITIZEN = "sara.lind@example.org"


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    monkeypatch.setenv("ONESTOP_BASE_URL", "https://onestop.town.example")
    with Mailbox() as box:
        for name, value in box.environ().items():
            monkeypatch.setenv(name, value)
        yield box


def link_in(body: str, fragment: str = "") -> str:
    match = re.search(r"https://onestop\.town\.example(/track/[A-Za-z0-9_-]+)" + re.escape(fragment), body)
    assert match, body
    return match.group(1)


def resolve_as_officer(db: Database, case_id: int, answer: str) -> None:
    def work(session: Session) -> None:
        officer = session.scalars(select(User).where(User.username == "officer")).one()
        task = session.scalars(select(Task).where(Task.case_id == case_id, Task.element_id == "handle_request",
                                                  Task.status == "open")).one()
        claim_task(session, officer, task.id)
        complete_task(session, officer, task.id, {"outcome": "resolved", "answer": answer})

    db.run(work)


def test_a_portal_request_is_acknowledged_answered_and_rated_over_smtp(
        client: FlaskClient, db: Database, mailbox: Mailbox) -> None:
    response = client.post("/portal", data={
        "category": "streetlight", "description": "The lamp outside Kungsgatan 5 is dark.",
        "citizen_name": "Sara Lind", "citizen_email": CITIZEN, "language": "en",
        "csrf_token": csrf_token(client, "/portal")})
    assert response.status_code == 303

    assert run_worker_round(db)["sent"] == 1
    [ack] = mailbox.to(CITIZEN)
    assert ack["Subject"].startswith("We have received your request CR-")
    body = ack.get_content()
    assert "Streets" in body and "You can expect an answer by 20" in body
    tracking = link_in(body)
    assert tracking == urlsplit(response.headers["Location"]).path
    page = client.get(tracking)
    assert page.status_code == 200 and "The lamp outside Kungsgatan 5 is dark." in page.get_data(as_text=True)

    with db.sessions() as session:
        case = session.scalars(select(Case)).one()
    resolve_as_officer(db, case.id, "A new lamp was fitted on Tuesday.")
    assert run_worker_round(db)["sent"] == 2
    answer, survey = mailbox.to(CITIZEN)[1:]
    assert "A new lamp was fitted on Tuesday." in answer.get_content()
    survey_link = link_in(survey.get_content(), "#survey")
    assert survey_link == tracking
    assert "A new lamp was fitted on Tuesday." in client.get(tracking).get_data(as_text=True)

    rated = client.post(f"{tracking}/survey", data={"score": "5", "comment": "Fast!",
                                                    "csrf_token": csrf_token(client, tracking)})
    assert rated.status_code == 303 and rated.headers["Location"].endswith("#survey")
    assert "you gave us 5 out of 5" in client.get(tracking).get_data(as_text=True)
    again = client.post(f"{tracking}/survey", data={"score": "1", "csrf_token": csrf_token(client, "/portal")},
                        follow_redirects=True)
    assert "already answered the survey" in again.get_data(as_text=True)

    with db.sessions() as session:
        response_row = session.scalars(select(SurveyResponse)).one()
        states = set(session.scalars(select(OutboxMessage.state)))
    assert (response_row.score, response_row.office, response_row.comment) == (5, "streets_parks", "Fast!")
    assert states == {"sent"}
    assert len({m["Message-ID"] for m in mailbox.messages}) == 3
