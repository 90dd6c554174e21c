"""Every route of the app x every role gets the status permission_table.py expects.

The routes come from `create_app().url_map`: a route missing from the table fails the test, so a new
route cannot ship unclassified. GET requests use real objects (a streets_parks case and its task, an
office, a user ...); POST requests use ids that do not exist and an empty form, so that nothing is
changed while the table is walked, and a role that may act gets 404/422 where one that may not gets
403 (or 302 to the login page, or 401 from the API without a key).

To print the table a run observes (to classify a new route, then review it by hand):
ONESTOP_PRINT_PERMISSIONS=1 pytest tests/security/test_permission_matrix.py -s
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from permission_table import EXPECTED, ROLES
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key
from processes.cases import start_case
from processes.drafts import create_draft
from processes.knowledge import create_article
from processes.models import Group, Task, User
from processes.tasks import complete_task
from processes.unit import Database
from tests.citizen_data import INTAKE
from tests.conftest import create_user

MISSING = 999_999
ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")  # <name>, <int:name>, <int(min=1):name>
LOGINS = {"csu_agent": "csu", "officer": "officer", "manager": "manager", "analyst": "analyst", "admin": "admin"}


def routes(app: Flask) -> list[tuple[str, str]]:
    found = {(method, rule.rule) for rule in app.url_map.iter_rules()
             for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    return sorted(found, key=lambda r: (r[1], r[0]))


# Where a route needs another real object than the default one for its argument.
OVERRIDES: dict[str, dict[str, Any]] = {
    "/dashboard/export.<fmt>": {"fmt": "csv"},
    "/modeler/<key>": {"key": "matrix_draft"}, "/modeler/<key>/deploy": {"key": "matrix_draft"},
    "/modeler/<key>/download": {"key": "matrix_draft"}, "/modeler/<key>/test": {"key": "matrix_draft"},
    "/modeler/<key>/validate": {"key": "matrix_draft"},
    "/modeler/<key>/files/<path:name>": {"key": "matrix_draft", "name": "matrix_draft.bpmn"},
}


def path_for(rule: str, method: str, real: dict[str, Any]) -> str:
    """The rule with its arguments filled: real objects for GET, missing ones for POST."""
    real = {**real, **OVERRIDES.get(rule, {})} if method == "GET" else real
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in real, f"no value for <{name}> of {rule}: add it to `real`"
        value = real[name]
        if method == "GET" or name in ("fmt", "filename"):
            return str(value)
        return str(MISSING) if isinstance(value, int) else "missing"

    return ARGUMENT.sub(fill, rule)


@pytest.fixture
def world(db: Database, session: Session, people: dict[str, User], deployed: None) -> dict[str, Any]:
    """The objects the GET routes look at, and an API key for each role."""
    create_user(session, "analyst", ["analyst"])
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    intake = session.scalars(select(Task.id).where(Task.case_id == case.id)).one()
    complete_task(session, people["csu"], intake, INTAKE)
    task = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).one()
    create_draft(session, people["admin"], "matrix_draft", "Matrix draft")
    article = create_article(session, None, title="Matrix article", body="For the edit page.")
    keys = {role: create_api_key(session, people["admin"], role, session.scalars(
        select(User).where(User.username == login)).one())[1] for role, login in LOGINS.items()}
    group = session.scalars(select(Group).where(Group.name == "streets_parks")).one()
    session.commit()
    real = {"case_id": case.id, "task_id": task.id, "group_id": group.id, "user_id": people["officer"].id,
            "key": "citizen_request", "number": 1, "version": 1, "name": "citizen_request.bpmn",
            "token": case.tracking_token, "fmt": "json", "service_code": "pothole",
            "service_request_id": case.business_key, "filename": "onestop.css", "mapping_id": MISSING,
            "outbox_id": MISSING, "attachment_id": MISSING, "article_id": article.id}
    return {"real": real, "keys": keys}


def client_for(app: Flask, role: str) -> FlaskClient:
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/login", data={"username": LOGINS[role], "password": "pw"})
        assert response.status_code == 302, role
    return client


def observe(app: Flask, world: dict[str, Any]) -> dict[str, str]:
    clients = {role: client_for(app, role) for role in ROLES}
    table = {}
    for method, rule in routes(app):
        path = path_for(rule, method, world["real"])
        statuses = []
        for role in ROLES:
            headers = {"Authorization": f"Bearer {world['keys'][role]}"} if role in world["keys"] else {}
            response = clients[role].open(path, method=method, data={}, headers=headers)
            statuses.append(str(response.status_code))
            response.close()  # streamed exports too
            if rule == "/logout":
                clients[role] = client_for(app, role)
        table[f"{method} {rule}"] = " ".join(statuses)
    return table


@pytest.mark.parametrize("migrated_url", ["sqlite"], indirect=True)  # authorization is not per backend
def test_every_route_answers_every_role_as_the_table_says(app: Flask, world: dict[str, Any]) -> None:
    observed = observe(app, world)
    if os.environ.get("ONESTOP_PRINT_PERMISSIONS"):
        print("\n".join(f"    {route!r}: {statuses!r}," for route, statuses in observed.items()))
    unclassified = sorted(set(observed) - set(EXPECTED))
    assert not unclassified, f"routes missing from permission_table.py (classify them): {unclassified}"
    gone = sorted(set(EXPECTED) - set(observed))
    assert not gone, f"routes in permission_table.py that no longer exist: {gone}"
    wrong = {route: f"expected {EXPECTED[route]}, got {observed[route]}" for route in observed
             if observed[route] != EXPECTED[route]}
    assert not wrong, f"roles in order {ROLES}: {wrong}"
