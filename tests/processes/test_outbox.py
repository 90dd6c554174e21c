"""Sending the outbox over real SMTP (aiosmtpd): sent once marked, retried, refused, kept, never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.db import utcnow
from processes.errors import Conflict, PermissionDenied
from processes.mailer import SmtpSettings, message_id
from processes.models import Case, Event, OutboxMessage, User
from processes.outbox import MAX_ATTEMPTS, claim_due_messages, lease_for
from processes.outbox_admin import list_messages, retry_failed, state_counts
from processes.portal import PortalRequest, submit_request
from processes.unit import Database
from processes.worker import run_worker_round
from tests.mailbox import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
CITIZEN = "alva.berg@example.org"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


def portal_case(session: Session, email: str = CITIZEN) -> Case:
    """A pothole report from the portal: routed to streets_parks, acknowledgement queued."""
    case = submit_request(session, PortalRequest(category="pothole", description="A deep hole on Storgatan 3.",
                                                 citizen_name="Alva Berg", citizen_email=email))
    assert case is not None
    session.commit()
    return case


def messages(db: Database) -> list[OutboxMessage]:
    with db.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_worker_round_sends_the_acknowledgement_and_marks_it_sent(
        db: Database, session: Session, deployed: None, mailbox: Mailbox) -> None:
    case = portal_case(session)

    result = run_worker_round(db, settings=mailbox.settings)

    assert result["sent"] == 1
    [mail] = mailbox.messages
    [stored] = messages(db)
    assert (stored.state, stored.attempts, stored.template) == ("sent", 1, "acknowledgement")
    assert mail["To"] == CITIZEN
    assert mail["Message-ID"] == message_id(stored.dedupe_key, "onestop@town.example")
    assert mail["Auto-Submitted"] == "auto-generated"
    assert f"/track/{case.tracking_token}" in mail.get_content()
    assert run_worker_round(db, settings=mailbox.settings)["sent"] == 0  # nothing is sent twice


def test_without_smtp_settings_mail_is_kept_pending(
        db: Database, session: Session, deployed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONESTOP_SMTP_HOST", raising=False)
    portal_case(session)

    result = run_worker_round(db)

    assert (result["sent"], result["kept"]) == (0, 1)
    assert [m.state for m in messages(db)] == ["pending"]


def test_a_temporary_failure_is_retried_after_a_back_off(
        db: Database, session: Session, deployed: None, mailbox: Mailbox) -> None:
    portal_case(session)
    mailbox.replies = ["451 4.3.0 Try again later"]
    now = utcnow()

    assert run_worker_round(db, now, settings=mailbox.settings)["retrying"] == 1
    [waiting] = messages(db)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert "451" in (waiting.last_error or "")
    assert waiting.next_attempt_at == now + timedelta(minutes=1)
    assert run_worker_round(db, now + timedelta(seconds=30), settings=mailbox.settings)["sent"] == 0

    assert run_worker_round(db, now + timedelta(minutes=1), settings=mailbox.settings)["sent"] == 1
    [sent] = messages(db)
    assert (sent.state, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert len(mailbox.messages) == 1


def test_a_permanent_refusal_fails_the_message_and_flags_the_case(
        db: Database, session: Session, deployed: None, mailbox: Mailbox) -> None:
    case = portal_case(session)
    mailbox.replies = ["550 5.1.1 No such mailbox"]

    assert run_worker_round(db, settings=mailbox.settings)["failed"] == 1

    [failed] = messages(db)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert "550" in (failed.last_error or "")
    with db.sessions() as check:
        flagged = check.scalars(select(Event).where(Event.case_id == case.id,
                                                    Event.kind == "notification_failed")).one()
        assert flagged.details is not None and "550" in flagged.details["reason"]
        assert [m.id for m in list_messages(check, None, state="failed")] == [failed.id]


def test_an_unreachable_server_is_retried_until_the_attempts_run_out(
        db: Database, session: Session, deployed: None) -> None:
    portal_case(session)
    nowhere = SmtpSettings(host="127.0.0.1", port=free_port(), tls="none", timeout=2)
    now = utcnow()

    for attempt in range(MAX_ATTEMPTS):
        now += timedelta(days=1)
        result = run_worker_round(db, now, settings=nowhere)
        assert result["failed" if attempt == MAX_ATTEMPTS - 1 else "retrying"] == 1

    [failed] = messages(db)
    assert (failed.state, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert "cannot reach 127.0.0.1" in (failed.last_error or "")


def test_a_claimed_message_is_not_claimed_again_while_its_lease_runs(
        db: Database, session: Session, deployed: None) -> None:
    portal_case(session)
    now = utcnow()
    lease = timedelta(minutes=5)

    first = db.run(lambda s: [m.id for m in claim_due_messages(s, now, lease=lease)])
    during = db.run(lambda s: claim_due_messages(s, now + timedelta(minutes=4), lease=lease))
    after = db.run(lambda s: [m.attempts for m in claim_due_messages(s, now + lease, lease=lease)])

    assert len(first) == 1 and during == [] and after == [2]


def test_a_worker_killed_between_sending_and_marking_does_not_lose_the_mail(
        db: Database, session: Session, deployed: None, mailbox: Mailbox) -> None:
    portal_case(session)
    worker = subprocess.Popen(
        [sys.executable, "-c", "from webui.cli import main; main()", "--db", db.url, "worker", "--once"],
        cwd=ROOT, env={**os.environ, **mailbox.environ()}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )

    def kill_the_worker() -> None:  # the server has the mail; the worker never hears "250"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    mailbox.on_data = kill_the_worker
    worker.wait(timeout=60)
    mailbox.on_data = None
    assert worker.returncode == -signal.SIGKILL, worker.stderr.read() if worker.stderr else ""
    [held] = messages(db)
    assert (held.state, len(mailbox.messages)) == ("sending", 1)

    later = utcnow() + lease_for(mailbox.settings, 10) + timedelta(seconds=1)
    assert run_worker_round(db, later, settings=mailbox.settings)["sent"] == 1

    [sent] = messages(db)
    first, second = mailbox.messages
    assert sent.state == "sent" and sent.attempts == 2
    assert first["Message-ID"] == second["Message-ID"] == message_id(sent.dedupe_key, "onestop@town.example")
    assert first.get_content() == second.get_content()


def test_a_failed_message_can_be_queued_again_by_the_csu(
        db: Database, session: Session, deployed: None, people: dict[str, User], mailbox: Mailbox) -> None:
    portal_case(session)
    mailbox.replies = ["554 5.7.1 Rejected"]
    run_worker_round(db, settings=mailbox.settings)
    [failed] = messages(db)

    db.run(lambda s: retry_failed(s, s.get(User, people["csu"].id), failed.id))
    assert run_worker_round(db, settings=mailbox.settings)["sent"] == 1

    [sent] = messages(db)
    assert (sent.state, sent.attempts) == ("sent", 1)
    with pytest.raises(Conflict):
        db.run(lambda s: retry_failed(s, None, sent.id))


def test_only_the_csu_and_administrators_see_the_outbox(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        list_messages(session, people["officer"])
    assert state_counts(session, people["csu"]) == {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    assert list_messages(session, people["admin"]) == []
