"""Moving cases from the browser and the CLI: a dry run first, then the move, admins only."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.models import Case, User
from processes.unit import Database
from tests.processes.test_case_migration import old_case  # noqa: F401  (fixture)
from webui.cli import main

from .conftest import csrf_token, login


def test_dry_run_then_migration_of_an_old_case(client: FlaskClient, session: Session, old_case: int) -> None:  # noqa: F811
    login(client, "admin")
    page = client.get("/admin/processes").get_data(as_text=True)
    assert "/admin/processes/citizen_request/migrate?source=1" in page

    dry = client.get("/admin/processes/citizen_request/migrate?source=1&target=2&dry_run=1").get_data(as_text=True)
    assert "can move" in dry and "handle_request" in dry
    assert re.search(rf'name="cases" value="{old_case}" checked', dry)
    session.expire_all()
    assert session.get(Case, old_case).version.version == 1  # type: ignore[union-attr]

    response = client.post("/admin/processes/citizen_request/migrate", data={
        "csrf_token": csrf_token(client, "/admin/processes"), "source": 1, "target": 2, "cases": [old_case]})

    assert response.status_code == 200
    assert "1 of 1 cases moved to version 2." in response.get_data(as_text=True)
    # the result still leads to the case
    assert f'href="/cases/{old_case}"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, old_case).version.version == 2  # type: ignore[union-attr]


@pytest.mark.usefixtures("old_case")
def test_analysts_and_managers_may_not_move_cases(client: FlaskClient, session: Session,
                                                  people: dict[str, User]) -> None:
    login(client, "manager")
    assert client.get("/admin/processes/citizen_request/migrate?dry_run=1").status_code == 403
    token = csrf_token(client, "/inbox")
    response = client.post("/admin/processes/citizen_request/migrate",
                           data={"csrf_token": token, "source": 1, "target": 2, "cases": [1]})
    assert response.status_code == 403


def test_cli_migrate_dry_run_then_for_real(db: Database, session: Session, old_case: int) -> None:  # noqa: F811
    runner = CliRunner()
    args = ["--db", db.url, "migrate", "citizen_request", "--from", "1", "--to", "2"]

    dry = runner.invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"case {old_case} " in dry.output and "handle_request -> handle_request" in dry.output
    assert "can move" in dry.output

    real = runner.invoke(main, [*args, "--case", str(old_case), "--user", "admin"])
    assert real.exit_code == 0, real.output
    assert "moved" in real.output and "1 of 1 cases moved to version 2" in real.output
    again = runner.invoke(main, [*args, "--case", str(old_case)])
    assert again.exit_code == 1 and "is not an open case of version 1" in again.output
