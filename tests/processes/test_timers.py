"""Timers on a real database: the operation's `now` is the engine's clock, an overdue request is
escalated once per deadline, and one case whose timer step fails does not hold up the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.deployments import deploy_version
from processes.models import Case, Event, OutboxMessage, Task, Timer, User
from processes.monitoring import cluster_figures
from processes.tasks import complete_task
from processes.timers import fire_due_timers
from tests.cases_factory import INTAKE, open_task
from tests.timer_trouble import LONG_AGO, TROUBLE_BPMN, trouble_case

pytestmark = pytest.mark.usefixtures("deployed")


def handed_over_at(session: Session, people: dict[str, User], at: datetime) -> Case:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"}, now=at)
    complete_task(session, people["csu"], open_task(session, case, "intake").id, INTAKE, now=at)
    return case


def timers_of(session: Session, case: Case) -> list[tuple[str, str]]:
    return [(t.element_id, t.state) for t in session.scalars(select(Timer).where(Timer.case_id == case.id)
                                                             .order_by(Timer.id))]


def tasks_named(session: Session, case: Case, element_id: str) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id)))


def kinds(session: Session, case: Case, kind: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == kind)))


def test_a_case_handled_in_the_past_waits_for_the_timers_table(session: Session, people: dict[str, User]) -> None:
    case = handed_over_at(session, people, LONG_AGO)
    assert case.due_at is not None and case.due_at < datetime.now(UTC)
    assert timers_of(session, case) == [("deadline_passed", "waiting")]
    assert tasks_named(session, case, "follow_up_overdue") == []
    assert fire_due_timers(session, now=case.due_at - timedelta(seconds=1)) == 0
    assert fire_due_timers(session, now=case.due_at) == 1
    assert open_task(session, case, "follow_up_overdue").created_at == case.due_at
    assert timers_of(session, case) == [("deadline_passed", "fired")]


def test_an_overdue_request_that_comes_back_to_an_office_is_escalated_once(
    session: Session, people: dict[str, User]
) -> None:
    case = handed_over_at(session, people, LONG_AGO)
    assert case.due_at is not None
    late = case.due_at + timedelta(hours=1)
    assert fire_due_timers(session, now=late) == 1
    officer, csu, manager = people["officer"], people["csu"], people["manager"]
    for hours in (1, 3):
        complete_task(session, officer, open_task(session, case, "handle_request").id,
                      {"outcome": "need_info", "info_question": "Which side?"}, now=late + timedelta(hours=hours))
        complete_task(session, csu, open_task(session, case, "contact_citizen").id, {"citizen_reply": "North."},
                      now=late + timedelta(hours=hours + 1))
    complete_task(session, manager, open_task(session, case, "follow_up_overdue").id,
                  {"follow_up_note": "Reminded Oskar", "action": "reminded_officer"}, now=late + timedelta(hours=5))
    complete_task(session, officer, open_task(session, case, "handle_request").id,
                  {"outcome": "wrong_office", "correct_office": "waste"}, now=late + timedelta(hours=6))
    assert open_task(session, case, "handle_request").group_name == "waste"
    assert len(tasks_named(session, case, "follow_up_overdue")) == 1
    assert len(kinds(session, case, "escalated")) == 1
    assert fire_due_timers(session, now=late + timedelta(days=30)) == 0


def test_a_request_back_in_the_office_after_its_deadline_is_escalated_at_once(
    session: Session, people: dict[str, User]
) -> None:
    case = handed_over_at(session, people, LONG_AGO)
    assert case.due_at is not None
    complete_task(session, people["officer"], open_task(session, case, "handle_request").id,
                  {"outcome": "need_info", "info_question": "Which side?"}, now=case.due_at - timedelta(days=1))
    back = case.due_at + timedelta(hours=2)
    complete_task(session, people["csu"], open_task(session, case, "contact_citizen").id,
                  {"citizen_reply": "North."}, now=back)
    [follow_up] = tasks_named(session, case, "follow_up_overdue")
    assert (follow_up.status, follow_up.created_at, follow_up.managers_only) == ("open", back, True)
    [escalated] = kinds(session, case, "escalated")
    assert escalated.at == back


def test_a_failing_timer_step_fails_alone_and_is_not_retried(session: Session, people: dict[str, User]) -> None:
    deploy_version(session, people["admin"], {"timer_trouble.bpmn": TROUBLE_BPMN})
    due = LONG_AGO + timedelta(days=1)
    broken = trouble_case(session, people, due, parts=0)
    fine = trouble_case(session, people, due + timedelta(minutes=1), parts=4)
    session.commit()
    broken_state = broken.state

    assert fire_due_timers(session, now=due + timedelta(hours=1)) == 1
    session.commit()

    assert (fine.status, fine.data["share"]) == ("closed", 25)
    assert (broken.status, broken.state) == ("open", broken_state)
    assert timers_of(session, broken) == [("wait", "failed")]
    assert timers_of(session, fine) == [("wait", "fired")]
    [failure] = kinds(session, broken, "timer_failed")
    assert (failure.element_id, failure.details["failed_at"]) == ("wait", "divide")
    assert "division by zero" in failure.details["message"]
    outbox = session.scalars(select(OutboxMessage.case_id)).all()
    assert outbox == [fine.id]
    assert fire_due_timers(session, now=due + timedelta(days=1)) == 0
    assert cluster_figures(session).failed_timers == 1


def test_firing_timers_flushes_and_leaves_the_commit_to_the_caller(
    session: Session, people: dict[str, User]
) -> None:
    case = handed_over_at(session, people, LONG_AGO)
    session.commit()
    assert case.due_at is not None
    assert fire_due_timers(session, now=case.due_at) == 1
    session.rollback()
    assert timers_of(session, case) == [("deadline_passed", "waiting")]
    assert tasks_named(session, case, "follow_up_overdue") == []
