"""Deploying from the browser: the diff first, admins only, problems refuse; retiring; the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes import drafts
from processes.models import Event, ProcessVersion, User
from processes.unit import Database
from processes.users import ensure_group, ensure_user
from tests.story_edits import story_files
from webui.cli import main

from .conftest import csrf_token, login


@pytest.fixture
def story_draft(session: Session, people: dict[str, User], deployed: None) -> None:
    analyst = ensure_user(session, "analyst", display_name="Anders", roles=["analyst"], password="pw")
    ensure_group(session, "environment", "Environment")
    draft = drafts.open_draft(session, analyst, "citizen_request")
    drafts.save_files(session, analyst, "citizen_request", story_files(draft.files))
    session.commit()


@pytest.mark.usefixtures("story_draft")
def test_analyst_sees_the_diff_but_may_not_deploy(client: FlaskClient, session: Session) -> None:
    login(client, "analyst")
    page = client.get("/modeler/citizen_request/deploy").get_data(as_text=True)
    assert "rule_noise" in page and "reference" in page and "Administrators deploy drafts: Admin." in page

    response = client.post("/modeler/citizen_request/deploy",
                           data={"csrf_token": csrf_token(client, "/modeler/citizen_request/deploy")})
    assert response.status_code == 403
    assert session.scalars(select(ProcessVersion.version).where(ProcessVersion.key == "citizen_request")).all() == [1]


@pytest.mark.usefixtures("story_draft")
def test_analyst_asks_for_deployment_and_the_admin_sees_it_until_deployed(client: FlaskClient) -> None:
    login(client, "analyst")
    token = csrf_token(client, "/modeler/citizen_request/deploy")
    too_long = client.post("/modeler/citizen_request/deploy-request", data={"csrf_token": token, "note": "x" * 1001})
    assert too_long.status_code == 422 and "at most 1000 characters" in too_long.get_data(as_text=True)

    asked = client.post("/modeler/citizen_request/deploy-request",
                        data={"csrf_token": token, "note": "New noise rule for the council"}, follow_redirects=True)
    page = asked.get_data(as_text=True)
    assert "Your request is recorded" in page and "Anders asked on" in page

    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "admin")
    processes = client.get("/admin/processes").get_data(as_text=True)
    assert "Anders asked on" in processes and "New noise rule for the council" in processes
    client.post("/modeler/citizen_request/deploy",
                data={"csrf_token": csrf_token(client, "/modeler/citizen_request/deploy")})
    assert "Open deployment requests" not in client.get("/admin/processes").get_data(as_text=True)


@pytest.mark.usefixtures("deployed")
def test_an_unchanged_draft_cannot_be_requested(client: FlaskClient, session: Session) -> None:
    analyst = ensure_user(session, "analyst", display_name="Anders", roles=["analyst"], password="pw")
    drafts.open_draft(session, analyst, "citizen_request")
    session.commit()
    login(client, "analyst")
    response = client.post("/modeler/citizen_request/deploy-request",
                           data={"csrf_token": csrf_token(client, "/modeler/citizen_request/deploy")})
    assert response.status_code == 409
    assert session.scalars(select(Event).where(Event.kind == "deploy_requested")).all() == []


@pytest.mark.usefixtures("story_draft")
def test_admin_deploys_after_reviewing_the_diff(client: FlaskClient, session: Session) -> None:
    login(client, "admin")
    page = client.get("/modeler/citizen_request/deploy").get_data(as_text=True)
    assert "Changes against version 1" in page and "Deploy as version 2" in page

    response = client.post("/modeler/citizen_request/deploy",
                           data={"csrf_token": csrf_token(client, "/modeler/citizen_request/deploy")},
                           follow_redirects=True)

    assert "Version 2 of citizen_request is deployed" in response.get_data(as_text=True)
    assert session.scalars(select(ProcessVersion.version).where(ProcessVersion.key == "citizen_request")
                           .order_by(ProcessVersion.version)).all() == [1, 2]
    assert session.scalars(select(Event).where(Event.kind == "draft_deployed")).one().details["version"] == 2


@pytest.mark.usefixtures("story_draft")
def test_deploying_a_draft_with_problems_is_refused_with_the_list(client: FlaskClient, session: Session) -> None:
    draft = session.scalars(select(drafts.ProcessDraft)).one()
    broken = draft.files["citizen_request.bpmn"].replace('value="handle_request.form"', 'value="gone.form"')
    drafts.save_files(session, None, "citizen_request", {"citizen_request.bpmn": broken})
    session.commit()
    login(client, "admin")

    response = client.post("/modeler/citizen_request/deploy",
                           data={"csrf_token": csrf_token(client, "/modeler/citizen_request/deploy")})

    assert response.status_code == 422
    assert "citizen_request.bpmn:handle_request: form file &#39;gone.form&#39; is missing" in response.get_data(
        as_text=True)
    assert session.scalars(select(ProcessVersion.version).where(ProcessVersion.key == "citizen_request")).all() == [1]


def test_admin_retires_a_version_from_the_processes_page(client: FlaskClient, session: Session) -> None:
    login(client, "admin")
    page = client.get("/admin/processes").get_data(as_text=True)
    assert "citizen_request" in page and "Retire" in page

    response = client.post("/admin/processes/citizen_request/versions/1/retire",
                           data={"csrf_token": csrf_token(client, "/admin/processes")})

    assert response.status_code == 302
    statuses = session.scalars(select(ProcessVersion.status).where(ProcessVersion.key == "citizen_request"))
    assert statuses.one() == "retired"


@pytest.mark.usefixtures("story_draft")
def test_cli_diff_and_retire(db: Database, session: Session, people: dict[str, User], tmp_path: Path) -> None:
    from processes.releases import deploy_draft

    deploy_draft(session, people["admin"], "citizen_request")
    session.commit()
    runner = CliRunner()

    diff = runner.invoke(main, ["--db", db.url, "diff", "citizen_request", "1", "2"])
    assert diff.exit_code == 0, diff.output
    assert "+ route_request.dmn: rule rule_noise" in diff.output

    retired = runner.invoke(main, ["--db", db.url, "retire", "citizen_request", "1", "--user", "admin"])
    assert (retired.exit_code, retired.output) == (0, "citizen_request 1 retired\n")
    again = runner.invoke(main, ["--db", db.url, "retire", "citizen_request", "1"])
    assert again.exit_code == 1 and "is retired" in again.output
    missing = runner.invoke(main, ["--db", db.url, "diff", "citizen_request", "1", "9"])
    assert missing.exit_code == 1 and "has no version 9" in missing.output
