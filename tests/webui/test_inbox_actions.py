"""Claiming, unclaiming, assigning and reassigning tasks from the inbox, with the statuses of refusals."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.db import utcnow
from processes.models import Task, User

from .conftest import csrf_token, login
from .inbox_factory import fresh, listed, office_case, open_task

# --- Claim, unclaim, assign ----------------------------------------------------------------------


def post(client: FlaskClient, path: str, **form: object) -> int:
    response = client.post(path, data={"csrf_token": csrf_token(client, "/inbox"), "next": "/inbox?scope=mine",
                                       **form})
    return response.status_code


def test_officer_claims_a_task_and_sees_it_as_mine(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    login(client, "officer")

    response = client.post(f"/inbox/tasks/{task.id}/claim",
                           data={"csrf_token": csrf_token(client, "/inbox"), "next": "/inbox?scope=mine"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox?scope=mine"
    assert fresh(session, task).assignee_id == people["officer"].id
    assert listed(client, "?scope=mine") == [task.id]


def test_claiming_a_task_someone_else_claimed_is_a_conflict(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    task.assignee = people["officer2"]
    session.commit()
    login(client, "officer")

    assert post(client, f"/inbox/tasks/{task.id}/claim") == 409
    assert fresh(session, task).assignee_id == people["officer2"].id


def test_officer_unclaims_own_task(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    task.assignee = people["officer"]
    session.commit()
    login(client, "officer")

    assert post(client, f"/inbox/tasks/{task.id}/unclaim") == 302
    assert fresh(session, task).assignee_id is None


def test_claim_without_csrf_token_is_refused(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    login(client, "officer")

    assert client.post(f"/inbox/tasks/{task.id}/claim").status_code == 400
    assert fresh(session, task).assignee_id is None


def test_a_foreign_next_address_is_ignored(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    login(client, "officer")

    response = client.post(f"/inbox/tasks/{task.id}/claim",
                           data={"csrf_token": csrf_token(client, "/inbox"), "next": "//evil.example/x"})

    assert response.headers["Location"] == "/inbox"


def test_manager_assigns_a_task_to_a_member(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    login(client, "manager")

    assert post(client, f"/inbox/tasks/{task.id}/assign", assignee=people["officer2"].id) == 302
    assert fresh(session, task).assignee_id == people["officer2"].id


def test_officer_may_not_assign(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    login(client, "officer")

    assert post(client, f"/inbox/tasks/{task.id}/assign", assignee=people["officer2"].id) == 403
    assert post(client, "/inbox/reassign", task_ids=[task.id], assignee=people["officer2"].id) == 403
    assert fresh(session, task).assignee_id is None


def test_manager_reassigns_several_tasks_at_once(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    first, second = (open_task(session, office_case(session, people), "handle_request") for _ in range(2))
    first.assignee = people["officer"]
    session.commit()
    login(client, "manager")

    assert post(client, "/inbox/reassign", task_ids=[first.id, second.id], assignee=people["officer2"].id) == 302
    assert [fresh(session, t).assignee_id for t in (first, second)] == [people["officer2"].id] * 2


def test_reassigning_to_someone_outside_the_office_changes_nothing(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    first, second = (open_task(session, office_case(session, people), "handle_request") for _ in range(2))
    login(client, "manager")

    status = post(client, "/inbox/reassign", task_ids=[first.id, second.id], assignee=people["waste_officer"].id)

    assert status == 403
    assert [fresh(session, t).assignee_id for t in (first, second)] == [None, None]


def test_reassign_needs_tasks_and_a_member(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = open_task(session, office_case(session, people), "handle_request")
    login(client, "manager")

    assert post(client, "/inbox/reassign", assignee=people["officer2"].id) == 422
    assert post(client, "/inbox/reassign", task_ids=[task.id]) == 422


def test_overdue_tasks_are_marked_in_words_not_only_colour(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task: Task = open_task(session, office_case(session, people), "handle_request")
    task.due_at = utcnow() - timedelta(days=2)
    session.commit()
    login(client, "officer")

    html = client.get("/inbox").get_data(as_text=True)

    assert 'class="is-overdue' in html
    assert '<strong class="overdue">Overdue</strong>' in html
