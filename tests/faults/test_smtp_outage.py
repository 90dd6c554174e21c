"""The mail server is down for an hour, or a day, then comes back: every queued notification arrives,
once. The worker polls as it would in production, on a clock the test moves (no hour of sleeping);
the server is a real SMTP server (aiosmtpd) that is not listening during the outage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.db import utcnow
from processes.mailer import message_id
from processes.models import Event, OutboxMessage, User
from processes.outbox import retry_window
from processes.portal import PortalRequest, submit_request
from processes.unit import Database
from processes.worker import run_worker_round
from tests.mailbox import Mailbox

CITIZENS = [f"citizen{n}@example.org" for n in range(3)]


def outbox(db: Database) -> list[OutboxMessage]:
    with db.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def events_of(db: Database, kind: str) -> int:
    with db.sessions() as session:
        return len(session.scalars(select(Event.id).where(Event.kind == kind)).all())


def test_retries_outlast_a_long_outage() -> None:
    assert retry_window() >= timedelta(days=2)


@pytest.mark.slow
@pytest.mark.parametrize(("outage", "poll"), [(timedelta(hours=1), timedelta(minutes=1)),
                                              (timedelta(days=1), timedelta(minutes=10))], ids=["hour", "day"])
def test_mail_queued_while_the_server_is_down_arrives_once_when_it_is_back(
    db: Database, session: Session, deployed: None, people: dict[str, User], outage: timedelta, poll: timedelta
) -> None:
    for address in CITIZENS:  # each request queues its acknowledgement
        submit_request(session, PortalRequest(category="pothole", description="A deep hole on Storgatan 3.",
                                              citizen_name="Alva Berg", citizen_email=address))
    session.commit()
    server = Mailbox()  # its port is chosen, nothing listens there yet
    start = now = utcnow()

    while now < start + outage:
        result = run_worker_round(db, now, settings=server.settings)
        assert result["sent"] == result["failed"] == 0
        now += poll
    down = outbox(db)
    assert [m.state for m in down] == ["pending"] * len(CITIZENS)
    assert all(m.attempts > 1 and "cannot reach 127.0.0.1" in (m.last_error or "") for m in down)

    with server:
        while now < start + outage + timedelta(hours=8):  # the longest back-off is 6 hours
            run_worker_round(db, now, settings=server.settings)
            now += poll

    delivered = outbox(db)
    assert [m.state for m in delivered] == ["sent"] * len(CITIZENS)
    assert sorted(m["To"] for m in server.messages) == CITIZENS
    assert sorted(m["Message-ID"] for m in server.messages) == sorted(
        message_id(m.dedupe_key, "onestop@town.example") for m in delivered)
    assert events_of(db, "notification_sent") == len(CITIZENS)
    assert events_of(db, "notification_failed") == 0
