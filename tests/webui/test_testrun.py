"""The test-run page: run a scenario against the draft, save it, re-run all saved ones."""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes import drafts
from processes.models import Case
from tests.processes.test_simulation import NOISE, story  # noqa: F401  (fixture)

from .conftest import csrf_token, login


def post(client: FlaskClient, action: str, steps: object, name: str = "Noise to environment") -> str:
    token = csrf_token(client, "/modeler/citizen_request/test")
    response = client.post("/modeler/citizen_request/test", data={
        "csrf_token": token, "action": action, "name": name, "start_data": "{}",
        "steps": steps if isinstance(steps, str) else json.dumps(steps)})
    assert response.status_code in (200, 422)
    return response.get_data(as_text=True)


def test_analyst_runs_a_scenario_and_sees_the_path_and_the_tasks(
    client: FlaskClient, session: Session, story: str  # noqa: F811
) -> None:
    login(client, "admin")

    page = post(client, "run", NOISE)

    assert "The case ran to the end." in page
    assert "<td>environment</td>" in page and "acknowledgement" in page
    config = json.loads(page.split('id="os-path-config">')[1].split("</script>")[0])
    assert "route" in config["done"] and config["active"] == []
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_saved_scenario_is_kept_and_re_run(client: FlaskClient, session: Session, story: str) -> None:  # noqa: F811
    login(client, "admin")
    post(client, "save", NOISE)
    assert [s["name"] for s in drafts.get_draft(session, None, "citizen_request").scenarios] == ["Noise to environment"]

    page = client.get("/modeler/citizen_request/test?scenario=Noise+to+environment").get_data(as_text=True)
    assert "ENV-1" in page
    summary = client.post("/modeler/citizen_request/test", data={
        "csrf_token": csrf_token(client, "/modeler/citizen_request/test"), "action": "run_all"}).get_data(as_text=True)
    assert "<strong>Noise to environment</strong>: <span class=\"os-added\">ran to the end</span>" in summary


def test_a_scenario_that_is_not_json_is_shown_back_with_the_problem(
    client: FlaskClient, story: str  # noqa: F811
) -> None:
    login(client, "admin")
    page = post(client, "run", "[{oops")
    assert "not valid JSON" in page and "[{oops" in page
