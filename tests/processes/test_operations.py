"""The operations on a real database (SQLite and PostgreSQL): start, claim, complete, timers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import processes.services
from processes.cases import cancel_case, case_dict, start_case
from processes.db import DatabaseUnavailable
from processes.deployments import deploy_version, list_versions
from processes.errors import (
    Conflict,
    InvalidFormData,
    NotFound,
    PermissionDenied,
    ProcessNotDeployable,
    TaskAlreadyCompleted,
    TaskClaimedByOther,
)
from processes.models import Case, Event, OutboxMessage, Task, Timer, User
from processes.tasks import assign_task, claim_task, complete_task, list_tasks, unclaim_task
from processes.timers import fire_due_timers
from tests.cases_factory import INTAKE, open_task

pytestmark = pytest.mark.usefixtures("deployed")



def kinds(session: Session, case: Case) -> list[str]:
    return [e.kind for e in session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))
            if e.kind != "element_completed"]


def handed_over(session: Session, people: dict[str, User], **intake: Any) -> Case:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    complete_task(session, people["csu"], open_task(session, case, "intake").id, {**INTAKE, **intake})
    session.commit()
    return case


def test_start_creates_the_intake_task_for_the_csu(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "walk_in"})
    task = open_task(session, case, "intake")
    assert (task.group_name, task.lane, task.form) == ("csu", "CSU", "intake.form")
    assert case.business_key and case.business_key.startswith("CR-")
    assert case.tracking_token and len(case.tracking_token) >= 32
    assert kinds(session, case) == ["case_started", "task_created"]


def test_unknown_process_key_is_not_found(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(NotFound, match="no deployed process 'nope'"):
        start_case(session, people["csu"], "nope", {})


def test_handover_routes_by_the_table_and_queues_the_acknowledgement(
    session: Session, people: dict[str, User]
) -> None:
    case = handed_over(session, people, category="missed_collection")
    task = open_task(session, case, "handle_request")
    assert (case.office, task.group_name, task.category) == ("waste", "waste", "missed_collection")
    assert case.due_at is not None and task.due_at == case.due_at
    assert kinds(session, case)[-3:] == ["task_completed", "task_created", "handed_over"]
    [mail] = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).all()
    assert mail.to_address == "alva@example.org"
    assert case.tracking_token in mail.body and "by " in mail.body
    [timer] = session.scalars(select(Timer).where(Timer.case_id == case.id)).all()
    assert (timer.element_id, timer.state, timer.due_at) == ("deadline_passed", "waiting", case.due_at)


def test_first_contact_resolution_closes_the_case(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    complete_task(session, people["csu"], open_task(session, case, "intake").id,
                  {**INTAKE, "resolved_on_first_contact": True, "kb_article": "Reporting a pothole"})
    assert case.status == "closed" and case.closed_at is not None
    assert kinds(session, case)[-1] == "case_closed"


def test_bad_form_data_names_every_field_and_changes_nothing(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    task = open_task(session, case, "intake")
    session.commit()
    with pytest.raises(InvalidFormData) as err:
        complete_task(session, people["csu"], task.id, {"channel": "fax", "category": "pothole", "nonsense": 1})
    assert set(err.value.errors) >= {"channel", "citizen_name", "description", "nonsense"}
    session.rollback()
    assert open_task(session, case, "intake").status == "open"


def test_officer_cannot_complete_another_offices_task(session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    task = open_task(session, case, "handle_request")
    with pytest.raises(PermissionDenied):
        complete_task(session, people["waste_officer"], task.id, {"outcome": "resolved", "answer": "x"})
    with pytest.raises(PermissionDenied):
        claim_task(session, people["waste_officer"], task.id)


def test_claim_then_someone_else_is_told_who_has_it(session: Session, people: dict[str, User]) -> None:
    task = open_task(session, handed_over(session, people), "handle_request")
    claim_task(session, people["officer"], task.id)
    with pytest.raises(TaskClaimedByOther, match="Officer"):
        claim_task(session, people["officer2"], task.id)
    with pytest.raises(TaskClaimedByOther):
        complete_task(session, people["officer2"], task.id, {"outcome": "resolved", "answer": "x"})
    unclaim_task(session, people["officer"], task.id)
    claim_task(session, people["officer2"], task.id)
    assert task.assignee == people["officer2"]


def test_only_a_manager_assigns_and_only_to_a_member(session: Session, people: dict[str, User]) -> None:
    task = open_task(session, handed_over(session, people), "handle_request")
    with pytest.raises(PermissionDenied):
        assign_task(session, people["officer"], task.id, people["officer2"])
    with pytest.raises(PermissionDenied):
        assign_task(session, people["manager"], task.id, people["waste_officer"])
    assign_task(session, people["manager"], task.id, people["officer2"])
    assert task.assignee == people["officer2"]


def test_completing_a_completed_task_names_who_did_it(session: Session, people: dict[str, User]) -> None:
    task = open_task(session, handed_over(session, people), "handle_request")
    complete_task(session, people["officer"], task.id, {"outcome": "resolved", "answer": "Fixed."})
    session.commit()
    with pytest.raises(TaskAlreadyCompleted, match="already completed by Officer at "):
        complete_task(session, people["officer2"], task.id, {"outcome": "resolved", "answer": "Me too."})
    session.rollback()
    assert session.get(Task, task.id).form_data == {"outcome": "resolved", "answer": "Fixed."}


def test_need_info_returns_to_the_csu_and_comes_back(session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    complete_task(session, people["officer"], open_task(session, case, "handle_request").id,
                  {"outcome": "need_info", "info_question": "Which side of the street?"})
    contact = open_task(session, case, "contact_citizen")
    assert contact.group_name == "csu"
    complete_task(session, people["csu"], contact.id, {"citizen_reply": "North side."})
    again = open_task(session, case, "handle_request")
    assert again.group_name == "streets_parks"
    assert "returned_to_csu" in kinds(session, case)
    assert kinds(session, case).count("handed_over") == 2


def test_wrong_office_reroutes_and_is_counted(session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    complete_task(session, people["officer"], open_task(session, case, "handle_request").id,
                  {"outcome": "wrong_office", "correct_office": "waste"})
    assert open_task(session, case, "handle_request").group_name == "waste"
    assert case.office == "waste" and case.data["reroute_count"] == 1
    assert "rerouted" in kinds(session, case)


def test_deadline_timer_gives_the_manager_a_follow_up(session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    assert case.due_at is not None
    assert fire_due_timers(session, now=case.due_at - timedelta(seconds=1)) == 0
    assert fire_due_timers(session, now=case.due_at + timedelta(seconds=1)) == 1
    follow_up = open_task(session, case, "follow_up_overdue")
    assert follow_up.managers_only and follow_up.group_name == "streets_parks"
    assert "escalated" in kinds(session, case)
    assert follow_up not in list_tasks(session, people["officer"])
    assert follow_up in list_tasks(session, people["manager"])
    with pytest.raises(PermissionDenied):
        claim_task(session, people["officer"], follow_up.id)
    complete_task(session, people["manager"], follow_up.id,
                  {"follow_up_note": "Reminded Oskar", "action": "reminded_officer"})
    assert open_task(session, case, "handle_request").status == "open"
    assert fire_due_timers(session, now=case.due_at + timedelta(days=30)) == 0


def test_inbox_lists_my_groups_unclaimed_and_my_own_tasks(session: Session, people: dict[str, User]) -> None:
    mine = open_task(session, handed_over(session, people), "handle_request")
    other = open_task(session, handed_over(session, people, category="missed_collection"), "handle_request")
    claim_task(session, people["officer"], mine.id)
    assert mine in list_tasks(session, people["officer"]) and other not in list_tasks(session, people["officer"])
    assert other in list_tasks(session, people["waste_officer"])
    assert [t.id for t in list_tasks(session, people["officer"], assignee=people["officer"])] == [mine.id]


def test_deploying_the_same_files_twice_makes_one_version(session: Session, people: dict[str, User]) -> None:
    from processes.files import read_process_files
    from tests.conftest import BPMN_DIR

    files, _ = read_process_files([BPMN_DIR])
    deployed = {v.key: (v.version, created) for v, created in deploy_version(session, people["admin"], files)}
    assert deployed == {"citizen_request": (1, False), "permit_application": (1, False)}
    changed = dict(files)
    changed["forms/contact_citizen.form"] = changed["forms/contact_citizen.form"].replace(
        "citizen_reply", "citizen_reply", 1) + "\n"
    deployed = {v.key: (v.version, created) for v, created in deploy_version(session, people["admin"], changed)}
    # each process has its own files: a form of citizen_request leaves permit_application as it was
    assert deployed == {"citizen_request": (2, True), "permit_application": (1, False)}
    assert [v.version for v in list_versions(session, "citizen_request")] == [1, 2]


def test_deploy_is_for_admins_and_refuses_broken_files(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        deploy_version(session, people["officer"], {"x.bpmn": "<x/>"})
    with pytest.raises(ProcessNotDeployable) as err:
        deploy_version(session, people["admin"], {"x.bpmn": "<bpmn:definitions"})
    assert err.value.problems[0].startswith("x.bpmn:-: XML syntax error")


def test_running_cases_keep_their_version(session: Session, people: dict[str, User]) -> None:
    from processes.files import read_process_files
    from tests.conftest import BPMN_DIR

    old = handed_over(session, people)
    files, _ = read_process_files([BPMN_DIR])
    files["route_request.dmn"] = files["route_request.dmn"].replace('"streets_parks"', '"waste"', 1)
    deploy_version(session, people["admin"], files)
    new = handed_over(session, people)
    assert case_dict(session, old)["version"] == 1 and case_dict(session, new)["version"] == 2
    assert (old.office, new.office) == ("streets_parks", "waste")


def test_cancel_closes_tasks_and_timers(session: Session, people: dict[str, User]) -> None:
    case = handed_over(session, people)
    with pytest.raises(PermissionDenied):
        cancel_case(session, people["officer"], case.id, "duplicate")
    cancel_case(session, people["manager"], case.id, "duplicate", now=datetime.now(UTC))
    assert case.status == "cancelled"
    assert {t.status for t in session.scalars(select(Task).where(Task.case_id == case.id))} >= {"cancelled"}
    assert {t.state for t in session.scalars(select(Timer).where(Timer.case_id == case.id))} == {"cancelled"}
    with pytest.raises(Conflict):
        cancel_case(session, people["manager"], case.id, "again")


def test_a_database_lost_inside_a_service_task_is_unavailability_not_a_failed_step(
    session: Session, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """notify_citizen writes the outbox: a dropped connection there must reach the caller as
    DatabaseUnavailable (the web answers 503, the worker retries), not as the case's CaseStepFailed."""
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    intake = open_task(session, case, "intake")

    def connection_dropped(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("INSERT INTO outbox", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(processes.services, "queue_notification", connection_dropped)
    with pytest.raises(DatabaseUnavailable, match="server closed the connection unexpectedly"):
        complete_task(session, people["csu"], intake.id, INTAKE)
