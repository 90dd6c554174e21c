"""The outbox page and the one-citizen view, for the CSU and administrators only."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.attachments import Upload
from processes.models import Attachment, Case, OutboxMessage
from processes.portal import PortalRequest, submit_request
from processes.unit import Database
from processes.worker import run_worker_round
from tests.mailbox import Mailbox

from .conftest import csrf_token, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def portal_request(db: Database, email: str = "omar@example.org", description: str = "Hole.") -> Case:
    def work(session: Session) -> Case:
        case = submit_request(session, PortalRequest(category="pothole", description=description,
                                                     citizen_name="Omar Haddad", citizen_email=email,
                                                     photo=Upload("hole.png", PNG)))
        assert case is not None
        return case

    return db.run(work)


def test_the_outbox_page_shows_kept_mail_when_no_server_is_configured(
        client: FlaskClient, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONESTOP_SMTP_HOST", raising=False)
    case = portal_request(db)
    login(client, "csu")

    html = client.get("/admin/outbox").get_data(as_text=True)

    assert "messages are kept here and not sent" in html
    assert "We have received your request" in html and f"/track/{case.tracking_token}" in html
    assert 'href="/admin/outbox"' in client.get("/inbox").get_data(as_text=True)  # in the navigation


def test_officers_do_not_see_the_outbox(client: FlaskClient) -> None:
    login(client, "officer")
    assert client.get("/admin/outbox").status_code == 403


def test_refused_mail_is_listed_as_failed_and_can_be_tried_again(client: FlaskClient, db: Database) -> None:
    portal_request(db)
    with Mailbox() as mailbox:
        mailbox.replies = ["550 5.1.1 User unknown"]
        run_worker_round(db, settings=mailbox.settings)
    login(client, "admin")

    html = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert "550 5.1.1 User unknown" in html and "Try again" in html
    with db.sessions() as session:
        failed = session.scalars(select(OutboxMessage)).one()
    response = client.post(f"/admin/outbox/{failed.id}/retry", data={"csrf_token": csrf_token(client, "/admin/outbox")})
    assert response.status_code == 302
    with db.sessions() as session:
        assert session.get(OutboxMessage, failed.id).state == "pending"  # type: ignore[union-attr]
    assert client.get("/admin/outbox?state=nonsense").status_code == 422


def test_the_csu_sees_a_citizens_requests_and_links_a_duplicate(client: FlaskClient, db: Database) -> None:
    first = portal_request(db, "Omar@Example.org")
    second = portal_request(db, "omar@example.org", "<b>again</b>")
    portal_request(db, "someone@example.org")
    login(client, "csu")

    html = client.get(f"/citizens/{second.id}").get_data(as_text=True)
    assert first.business_key in html and second.business_key in html and html.count("CR-") >= 2
    assert "someone@example.org" not in html and "<b>again</b>" not in html

    response = client.post(f"/citizens/{second.id}/duplicate", data={
        "original_case_id": str(first.id), "csrf_token": csrf_token(client, f"/citizens/{second.id}")})
    assert response.status_code == 302
    with db.sessions() as session:
        linked = session.get(Case, second.id)
        assert linked is not None and (linked.status, linked.data["duplicate_of"]) == ("closed", first.id)
    assert f"Duplicate of {first.business_key}" in client.get(f"/citizens/{second.id}").get_data(as_text=True)


def test_staff_see_photos_only_of_cases_they_may_see(client: FlaskClient, db: Database) -> None:
    portal_request(db)
    with db.sessions() as session:
        photo = session.scalars(select(Attachment)).one()
    login(client, "waste_officer")
    assert client.get(f"/attachments/{photo.id}").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "officer")
    assert client.get(f"/attachments/{photo.id}").data == PNG
    assert client.get(f"/citizens/{photo.case_id}").status_code == 403
