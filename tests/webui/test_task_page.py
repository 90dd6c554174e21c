"""The task page: summary, timeline and form; completing, claiming, conflicts and permissions."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.models import Case, Task, User
from processes.tasks import complete_task
from processes.unit import Database
from tests.conftest import BPMN_DIR

from .conftest import csrf_token, login

INTAKE = {"channel": "phone", "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
          "category": "pothole", "description": "A deep pothole outside Storgatan 5.",
          "resolved_on_first_contact": False}


def open_task(session: Session, case_id: int, element_id: str) -> Task:
    session.expire_all()
    task = session.scalars(select(Task).where(Task.case_id == case_id, Task.element_id == element_id,
                                              Task.status == "open")).one()
    return task


def new_case(session: Session, people: dict[str, User]) -> Case:
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    session.commit()
    return case


def handed_over(session: Session, people: dict[str, User], **changes: Any) -> Task:
    """A pothole request handed over to streets_parks; its handle_request task."""
    case = new_case(session, people)
    complete_task(session, people["csu"], open_task(session, case.id, "intake").id, {**INTAKE, **changes})
    session.commit()
    return open_task(session, case.id, "handle_request")


def submit(client: FlaskClient, task_id: int, payload: Any, **form: str) -> Any:
    path = f"/tasks/{task_id}"
    body = {"csrf_token": csrf_token(client, path), **form}
    if payload is not None:
        body["payload"] = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(path, data=body)


def embedded(page: str, element_id: str) -> Any:
    """The JSON the page hands to the form viewer."""
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S)
    assert match, f"no {element_id} on the page"
    return json.loads(match.group(1))


def test_task_page_shows_the_case_its_deadline_timeline_and_form(client: FlaskClient, session: Session,
                                                                 people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer")

    response = client.get(f"/tasks/{task.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (task.case.business_key, "Alva Berg", "Phone", "Pothole", "Streets Parks",
                 "A deep pothole outside Storgatan 5.", "working days left", "Handed over from Csu to Streets Parks",
                 "Claim", "Complete task"):
        assert text in page
    assert "Route request" not in page  # engine steps (element_completed) stay out of the timeline
    assert embedded(page, "task-form-schema")["id"] == "Form_handle_request"
    assert embedded(page, "task-form-data")["category"] == "pothole"


def test_task_page_renders_the_form_of_the_version_the_case_runs_on(client: FlaskClient, session: Session,
                                                                    people: dict[str, User]) -> None:
    task = handed_over(session, people)
    files, _ = read_process_files([BPMN_DIR])
    files["forms/handle_request.form"] = files["forms/handle_request.form"].replace('"Outcome"', '"Decision"')
    deploy_version(session, people["admin"], files)
    session.commit()
    login(client, "officer")

    schema = embedded(client.get(f"/tasks/{task.id}").get_data(as_text=True), "task-form-schema")

    assert [c.get("label") for c in schema["components"] if c.get("key") == "outcome"] == ["Outcome"]


def test_handing_over_from_the_intake_task_says_where_the_case_went(client: FlaskClient, session: Session,
                                                                    people: dict[str, User]) -> None:
    case = new_case(session, people)
    intake = open_task(session, case.id, "intake")
    login(client, "csu")

    response = submit(client, intake.id, {**INTAKE, "channel": "phone"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    flashed = client.get("/inbox").get_data(as_text=True)
    assert re.search(r"Handed over to Streets Parks, reply due \d{4}-\d\d-\d\d\.", flashed)
    assert open_task(session, case.id, "handle_request").group_name == "streets_parks"


def test_malformed_json_is_rejected_with_a_message(client: FlaskClient, session: Session,
                                                    people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer")

    response = submit(client, task.id, '{"outcome": "resolved",')

    assert response.status_code == 422
    assert "malformed JSON" in embedded(response.get_data(as_text=True), "task-form-errors")["_form"]
    assert open_task(session, task.case_id, "handle_request").id == task.id


def test_invalid_data_comes_back_in_the_form_with_what_was_typed(client: FlaskClient, session: Session,
                                                                 people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer")
    answer = "Too long. " * 500

    response = submit(client, task.id, {"outcome": "resolved", "answer": answer, "shoe_size": 44})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert embedded(page, "task-form-errors") == {"answer": "Enter at most 4000 characters.",
                                                  "shoe_size": "Unknown field."}
    assert embedded(page, "task-form-data")["answer"] == answer
    assert "please correct the fields marked below" in page
    assert open_task(session, task.case_id, "handle_request").status == "open"


def test_wrong_office_needs_the_correct_office_but_resolved_does_not(client: FlaskClient, session: Session,
                                                                     people: dict[str, User]) -> None:
    first, second = handed_over(session, people), handed_over(session, people)
    login(client, "officer")

    rejected = submit(client, first.id, {"outcome": "wrong_office"})
    accepted = submit(client, second.id, {"outcome": "resolved", "answer": "Fixed today."})

    assert rejected.status_code == 422
    assert embedded(rejected.get_data(as_text=True), "task-form-errors") == {
        "correct_office": "This field is required."}
    assert accepted.status_code == 302


def test_wrong_office_reroutes_to_the_chosen_office(client: FlaskClient, session: Session,
                                                    people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer")

    submit(client, task.id, {"outcome": "wrong_office", "correct_office": "waste"})

    assert "Rerouted to Waste" in client.get("/inbox").get_data(as_text=True)
    assert open_task(session, task.case_id, "handle_request").group_name == "waste"


def test_html_typed_by_a_citizen_is_shown_as_text(client: FlaskClient, session: Session,
                                                  people: dict[str, User]) -> None:
    task = handed_over(session, people, description='<script>alert("x")</script><b>bold</b>',
                       citizen_name="<img src=x onerror=alert(1)>")
    login(client, "officer")

    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)

    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert html.escape('<b>bold</b>', quote=False) in page
    assert embedded(page, "task-form-data")["description"].startswith("<script>")  # JSON-escaped, intact


def test_completing_a_task_completed_a_moment_ago_is_a_conflict(client: FlaskClient, session: Session,
                                                                 people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer")
    path_token = csrf_token(client, f"/tasks/{task.id}")  # the page was open before the other officer finished
    complete_task(session, people["officer2"], task.id, {"outcome": "resolved", "answer": "Done by me."})
    session.commit()

    response = client.post(f"/tasks/{task.id}", data={"csrf_token": path_token, "payload": json.dumps(
        {"outcome": "resolved", "answer": "Mine, too late."})})

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert re.search(r"already completed by Officer2 at \d{4}-\d\d-\d\d \d\d:\d\d", page)
    assert "Mine, too late." in page  # shown back, not saved
    session.expire_all()
    assert session.get(Task, task.id).form_data == {"outcome": "resolved", "answer": "Done by me."}


def test_a_lost_race_is_retried_and_reported_as_already_completed(app: Flask, client: FlaskClient, db: Database,
                                                                   session: Session, people: dict[str, User]) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL serializes the race on the case row (FOR UPDATE): no retry needed")
    task = handed_over(session, people)
    login(client, "officer")
    token = csrf_token(client, f"/tasks/{task.id}")
    raced: list[bool] = []

    def other_officer_finishes_first(request_session: Session, *_: Any) -> None:
        """At the request's first write, after it has read the task as open."""
        if raced or not (request_session.new or request_session.dirty):
            return
        raced.append(True)
        db.run(lambda other: complete_task(other, other.get_one(User, people["officer2"].id), task.id,
                                           {"outcome": "resolved", "answer": "First."}))

    sessions = app.extensions["onestop.db"].sessions
    event.listen(sessions, "before_flush", other_officer_finishes_first)
    try:
        response = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "payload": json.dumps(
            {"outcome": "resolved", "answer": "Second."})})
    finally:
        event.remove(sessions, "before_flush", other_officer_finishes_first)

    assert raced and response.status_code == 409
    assert "already completed by Officer2" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Task, task.id).form_data == {"outcome": "resolved", "answer": "First."}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_officer_cannot_open_or_complete_another_offices_task(client: FlaskClient, session: Session,
                                                             people: dict[str, User], method: str) -> None:
    task = handed_over(session, people)
    login(client, "waste_officer")

    if method == "GET":
        response = client.get(f"/tasks/{task.id}")
    else:
        token = csrf_token(client, "/inbox")
        response = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "payload": json.dumps(
            {"outcome": "resolved", "answer": "Not mine."})})

    assert response.status_code == 403
    assert open_task(session, task.case_id, "handle_request").assignee_id is None


def test_csu_agents_see_csu_tasks_but_not_office_tasks(client: FlaskClient, session: Session,
                                                       people: dict[str, User]) -> None:
    task = handed_over(session, people)
    intake = open_task(session, new_case(session, people).id, "intake")
    login(client, "csu")

    assert client.get(f"/tasks/{intake.id}").status_code == 200
    assert client.get(f"/tasks/{task.id}").status_code == 403


def test_claim_button_claims_and_completing_an_unclaimed_task_claims_it(client: FlaskClient, session: Session,
                                                                        people: dict[str, User]) -> None:
    claimed, unclaimed = handed_over(session, people), handed_over(session, people)
    login(client, "officer")

    response = submit(client, claimed.id, None, action="claim")
    submit(client, unclaimed.id, {"outcome": "resolved", "answer": "Fixed."})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{claimed.id}")
    page = client.get(f"/tasks/{claimed.id}").get_data(as_text=True)
    assert "Claimed by Officer." in page and 'value="claim"' not in page
    session.expire_all()
    assert session.get(Task, claimed.id).assignee_id == people["officer"].id
    assert session.get(Task, unclaimed.id).assignee_id == people["officer"].id


def test_a_task_claimed_by_a_colleague_is_read_only(client: FlaskClient, session: Session,
                                                     people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer2")
    submit(client, task.id, None, action="claim")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "officer")

    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    response = submit(client, task.id, {"outcome": "resolved", "answer": "Mine?"})

    assert "Claimed by Officer2." in page and "Complete task" not in page and 'data-readonly="true"' in page
    assert response.status_code == 409


def test_read_only_fields_accept_the_prefilled_case_value(client: FlaskClient, session: Session,
                                                          people: dict[str, User]) -> None:
    files, _ = read_process_files([BPMN_DIR])
    channel = '"description": "How the citizen reached us",'
    files["forms/intake.form"] = files["forms/intake.form"].replace(channel, channel + ' "readonly": true,')
    deploy_version(session, people["admin"], files)
    session.commit()
    first, second = new_case(session, people), new_case(session, people)  # both started with channel=phone
    login(client, "csu")

    changed = submit(client, open_task(session, first.id, "intake").id, {**INTAKE, "channel": "email"})
    kept = submit(client, open_task(session, second.id, "intake").id, {**INTAKE, "channel": "phone"})

    assert changed.status_code == 422
    assert embedded(changed.get_data(as_text=True), "task-form-errors") == {"channel": "This field is read-only."}
    assert kept.status_code == 302


def test_a_completed_task_shows_what_was_submitted_read_only(client: FlaskClient, session: Session,
                                                             people: dict[str, User]) -> None:
    task = handed_over(session, people)
    login(client, "officer")
    submit(client, task.id, {"outcome": "resolved", "answer": "Filled in."})

    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)

    assert "Completed by Officer at" in page and "Complete task" not in page and 'data-readonly="true"' in page
    assert embedded(page, "task-form-data") == {"outcome": "resolved", "answer": "Filled in."}
