"""The dashboard pages: who may see what, bad filters, downloads and the heatmap."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.models import Case, Event, User
from tests.conftest import create_user
from tests.processes.march_cases import build_march

from .conftest import login

MARCH = "from=2036-03-01&to=2036-03-31"


@pytest.fixture
def march(session: Session, people: dict[str, User], deployed: None) -> dict[str, Case]:
    return build_march(session, people)


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/export.csv", "/dashboard/heatmap/citizen_request"])
@pytest.mark.parametrize("username", ["officer", "csu"])
def test_officers_and_csu_agents_are_refused(client: FlaskClient, username: str, path: str) -> None:
    login(client, username)
    assert client.get(path).status_code == 403


def test_manager_sees_only_the_office_they_manage(client: FlaskClient, march: dict[str, Case]) -> None:
    login(client, "manager")

    html = client.get(f"/dashboard?{MARCH}").get_data(as_text=True)

    assert '<option value="streets_parks"' in html and '<option value="waste"' not in html
    assert "<th scope=\"row\">Waste</th>" not in html
    assert "<th scope=\"row\">Streets Parks</th>" in html
    assert client.get(f"/dashboard?{MARCH}&office=waste").status_code == 403


def test_analyst_sees_every_office_and_the_dashboard_link(client: FlaskClient, session: Session,
                                                          march: dict[str, Case]) -> None:
    create_user(session, "analyst", ["analyst"])
    session.commit()
    login(client, "analyst")

    response = client.get(f"/dashboard?{MARCH}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<th scope=\"row\">Waste</th>" in html and "<th scope=\"row\">Streets Parks</th>" in html
    assert 'href="/dashboard"' in html
    assert 'data-chart="chart-answer"' in html and 'id="chart-answer"' in html


@pytest.mark.parametrize(("query", "field"), [
    ("from=2036-04-01&to=2036-03-01", "starts (2036-04-01) after it ends"),
    ("from=soon", "&#39;soon&#39; is not a date"),
    ("office=atlantis", "unknown office &#39;atlantis&#39;"),
    ("category=%3Cscript%3E", "unknown category &#39;&lt;script&gt;&#39;"),
    ("channel=pigeon", "unknown channel"),
])
def test_bad_filters_get_a_clear_message(client: FlaskClient, query: str, field: str) -> None:
    login(client, "admin")

    for path in ("/dashboard", "/dashboard/heatmap/citizen_request", "/dashboard/export.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 422, path
        assert field in response.get_data(as_text=True), path


def test_csv_download_has_the_filtered_log(client: FlaskClient, session: Session, march: dict[str, Case]) -> None:
    login(client, "admin")

    response = client.get(f"/dashboard/export.csv?{MARCH}")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    in_march = session.scalar(select(func.count()).select_from(Event).join(Case, Case.id == Event.case_id)
                              .where(Case.id != march["january"].id))
    assert lines[0].startswith("case_id,") and len(lines) == 1 + in_march


def test_xes_download_is_xml(client: FlaskClient, march: dict[str, Case]) -> None:
    login(client, "admin")

    body = client.get(f"/dashboard/export.xes?{MARCH}").get_data(as_text=True)

    assert body.startswith("<?xml") and body.count("<trace>") == 5 and body.rstrip().endswith("</log>")


def test_heatmap_shows_counts_on_the_diagram_and_the_busiest_steps(client: FlaskClient,
                                                                  march: dict[str, Case]) -> None:
    login(client, "manager")

    response = client.get(f"/dashboard/heatmap/citizen_request/1?{MARCH}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="heatmap-data"' in html and "Busiest steps" in html and "Slowest steps" in html
    assert client.get("/dashboard/heatmap/no_such_process").status_code == 404
    assert client.get("/dashboard/heatmap/citizen_request/99").status_code == 404
