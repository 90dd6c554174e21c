"""Issue 12.6 in the browser: every response carries the security headers, and the pages that run the
bundles (the bpmn-js/dmn-js/form-js modeler, the form-js task form, the dashboard charts, the case
diagram) work under the Content-Security-Policy: no violation, no console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from processes.unit import Database

from .conftest import PageProblems, log_in
from .test_case_view import handed_over_case
from .test_dashboard import year  # noqa: F401 - the fixture: a year of demo requests for the charts

HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def assert_clean(problems: PageProblems) -> None:
    assert problems.csp_violations() == []
    assert problems.console_errors == []


@pytest.mark.parametrize("path", ["/login", "/static/onestop.css", "/static/dist/modeler.js", "/portal",
                                  "/healthz", "/no-such-page"])
def test_every_response_carries_the_security_headers(page: Page, live_server: str, path: str) -> None:
    response = page.request.get(f"{live_server}{path}")
    headers = response.headers
    for name, value in HEADERS.items():
        assert headers.get(name) == value, name
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-eval'" not in policy
    assert re.search(r"script-src 'self'(;|$)", policy)  # no inline script


def test_the_modeler_edits_bpmn_dmn_and_forms_under_the_policy(
    page: Page, live_server: str, problems: PageProblems
) -> None:
    log_in(page, live_server, "analyst")
    page.goto(f"{live_server}/modeler/citizen_request")
    start = page.get_by_role("button", name="Edit a copy of the newest version")
    if start.is_visible():
        start.click()
    for tab, drawn in (("bpmn", "#os-canvas .djs-element"), ("dmn", "#os-canvas table"),
                       ("form", "#os-canvas .fjs-editor-container")):
        page.goto(f"{live_server}/modeler/citizen_request?tab={tab}")
        page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
        expect(page.locator(drawn).first).to_be_visible()
        assert_clean(problems)


def test_the_task_form_and_the_case_diagram_render_under_the_policy(
    page: Page, live_server: str, live_db: Database, problems: PageProblems
) -> None:
    case_id = handed_over_case(live_db, "A pothole under the policy")
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/cases/{case_id}")
    expect(page.locator("#case-diagram")).to_have_attribute("data-ready", "true")
    assert_clean(problems)
    page.get_by_role("link", name="Handle request").click()
    expect(page.locator("#task-form-container[data-ready=true]")).to_be_attached()
    expect(page.locator("#task-form-container .fjs-form-field").first).to_be_visible()
    assert_clean(problems)


def test_the_dashboard_charts_and_heatmap_draw_under_the_policy(
    page: Page, live_server: str, year: str, problems: PageProblems  # noqa: F811
) -> None:
    log_in(page, live_server, "analyst")
    page.goto(f"{live_server}/dashboard?{year}")
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c.chart)")
    assert page.locator("canvas[data-chart]").count() >= 3
    assert_clean(problems)
    page.goto(f"{live_server}/dashboard/heatmap/citizen_request?{year}")
    expect(page.locator("#heatmap[data-ready='true']")).to_be_attached()
    assert_clean(problems)


def test_a_form_asks_before_it_discards_a_draft(page: Page, live_server: str) -> None:
    """The confirmation that was an inline onsubmit handler (refused by the CSP) now lives in confirm.js."""
    log_in(page, live_server, "analyst")
    page.goto(f"{live_server}/modeler/citizen_request")
    start = page.get_by_role("button", name="Edit a copy of the newest version")
    if start.is_visible():
        start.click()
    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Discard draft").click()
    assert questions == ["Discard this draft? Deployed versions stay."]
    expect(page.get_by_role("button", name="Discard draft")).to_be_visible()  # dismissed: still there
