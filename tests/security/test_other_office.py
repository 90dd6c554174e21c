"""Every task and case route, walked by an officer of another office with real ids: a task waiting for
the office, one claimed there, one completed. Permission comes before any other answer, so the walk
gets 403 or 404 from every route that acts, never a 200 "nothing to do", a 409 that tells who holds
the task, or a 422 about its form; and nothing changes.

Reading is another matter: the case pages are open to all staff (permission_table.py); a task page is
the office's working space (processes.authz.may_view)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key
from processes.models import Event, Task, User
from processes.tasks import claim_task
from tests.cases_factory import handed_over, open_task
from tests.citizen_data import INTAKE

pytestmark = pytest.mark.usefixtures("deployed")

ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture
def streets(session: Session, people: dict[str, User]) -> dict[str, tuple[int, int]]:
    """(case id, task id) of streets_parks work in each state a task can be in."""
    waiting = handed_over(session, people)
    claimed = handed_over(session, people)
    claim_task(session, people["officer"], open_task(session, claimed, "handle_request").id)
    session.commit()
    completed = session.scalars(select(Task.id).where(Task.case_id == waiting.id,
                                                      Task.element_id == "intake")).one()
    return {"waiting": (waiting.id, open_task(session, waiting, "handle_request").id),
            "claimed": (claimed.id, open_task(session, claimed, "handle_request").id),
            "completed": (waiting.id, completed)}


def task_and_case_routes(app: Flask) -> list[tuple[str, str]]:
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if "task_id" in rule.arguments or "case_id" in rule.arguments
                  for method in rule.methods or () if method not in ("HEAD", "OPTIONS"))


def fill(rule: str, case_id: int, task_id: int) -> str:
    return ARGUMENT.sub(lambda m: str({"case_id": case_id, "task_id": task_id}[m.group(1)]), rule)


def fingerprint(session: Session) -> Any:
    session.expire_all()
    tasks = session.execute(select(Task.id, Task.status, Task.assignee_id, Task.form_data).order_by(Task.id)).all()
    return [tuple(row) for row in tasks], session.scalar(select(func.count()).select_from(Event))


def test_another_office_gets_no_answer_but_no(app: Flask, session: Session, people: dict[str, User],
                                              streets: dict[str, tuple[int, int]]) -> None:
    stranger = people["waste_officer"]
    _, key = create_api_key(session, None, "stranger", stranger)
    session.commit()
    web, api = app.test_client(), app.test_client()
    assert web.post("/login", data={"username": stranger.username, "password": "pw"}).status_code == 302
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    form = {"action": "claim", "payload": json.dumps(INTAKE), "assignee": str(stranger.id),
            "original_case_id": str(streets["claimed"][0])}
    before = fingerprint(session)
    walked = set()
    for method, rule in task_and_case_routes(app):
        for state, (case_id, task_id) in streets.items():
            path = fill(rule, case_id, task_id)
            if path.startswith("/api/"):
                response = api.open(path, method=method, json={"data": INTAKE})
            else:
                response = web.open(path, method=method, data=form)
            where = (method, rule, state, response.status_code, response.get_data(as_text=True)[:200])
            assert response.status_code < 500, where
            if method == "POST":
                assert response.status_code in (403, 404), where
            elif "task_id" in rule:
                assert response.status_code == 403, where
            walked.add((method, rule))
    assert fingerprint(session) == before
    assert len(walked) >= 15  # every route that names a task or a case, in each state
