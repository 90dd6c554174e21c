"""A timer whose case step failed is told on the case page, for the people who must look into it."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.deployments import deploy_version
from processes.models import Timer, User
from processes.timers import fire_due_timers
from processes.unit import Database
from tests.timer_trouble import LONG_AGO, TROUBLE_BPMN, trouble_case
from webui.cli import main

from .conftest import csrf_token, login

pytestmark = pytest.mark.usefixtures("deployed")


def test_the_case_page_says_which_timer_failed_and_why(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    deploy_version(session, people["admin"], {"timer_trouble.bpmn": TROUBLE_BPMN})
    due = LONG_AGO + timedelta(days=1)
    case = trouble_case(session, people, due, parts=0)
    assert fire_due_timers(session, now=due) == 0
    session.commit()
    login(client, "admin")
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Timer “wait” did not fire: the process failed at divide (" in page
    assert "division by zero" in page and "It waits until an administrator retries it." in page
    assert "Retry the failed timers" in page


def test_an_administrator_retries_a_failed_timer_and_others_may_not(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    deploy_version(session, people["admin"], {"timer_trouble.bpmn": TROUBLE_BPMN})
    due = LONG_AGO + timedelta(days=1)
    case = trouble_case(session, people, due, parts=0)
    fire_due_timers(session, now=due)
    session.commit()
    retry = f"/cases/{case.id}/timers/retry"
    login(client, "officer")
    assert client.post(retry, data={"csrf_token": csrf_token(client, "/inbox")}).status_code == 403
    assert timer_states(session, case.id) == ["failed"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "admin")
    token = csrf_token(client, f"/cases/{case.id}")
    assert client.post(retry, data={"csrf_token": token}).status_code == 302
    assert timer_states(session, case.id) == ["waiting"]
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Timer “wait” set to fire again." in page and "Retry the failed timers" not in page
    assert client.post(retry, data={"csrf_token": token}).status_code == 404  # nothing failed any more
    # The next worker round takes it again (and, the process being still broken, fails it again).
    assert fire_due_timers(session, now=due) == 0
    assert timer_states(session, case.id) == ["failed"]


def timer_states(session: Session, case_id: int) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Timer.state).where(Timer.case_id == case_id)))


def test_the_command_line_retries_failed_timers(session: Session, people: dict[str, User], db: Database) -> None:
    deploy_version(session, people["admin"], {"timer_trouble.bpmn": TROUBLE_BPMN})
    due = LONG_AGO + timedelta(days=1)
    case = trouble_case(session, people, due, parts=0)
    fire_due_timers(session, now=due)
    session.commit()
    result = CliRunner().invoke(main, ["--db", db.url, "timers", "retry", str(case.id)], catch_exceptions=False)
    assert result.exit_code == 0 and f"1 timers of case {case.id} will fire again" in result.stdout
    assert timer_states(session, case.id) == ["waiting"]


def test_timers_run_goes_on_past_a_whole_batch_of_failures(session: Session, people: dict[str, User],
                                                           db: Database) -> None:
    """The first 100 due timers (one worker batch) all fail; the good one due after them still fires."""
    deploy_version(session, people["admin"], {"timer_trouble.bpmn": TROUBLE_BPMN})
    due = LONG_AGO + timedelta(days=1)
    failing = [trouble_case(session, people, due, parts=0) for _ in range(100)]
    good = trouble_case(session, people, due + timedelta(hours=1), parts=1)
    session.commit()
    now = (due + timedelta(days=1)).isoformat()
    result = CliRunner().invoke(main, ["--db", db.url, "timers", "run", "--now", now], catch_exceptions=False)
    assert result.exit_code == 0 and "1 timers fired" in result.stdout
    assert timer_states(session, good.id) == ["fired"]
    assert timer_states(session, failing[-1].id) == ["failed"]
