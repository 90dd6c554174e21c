"""The dashboard and the heatmap in a browser: charts drawn, tables there, no serious axe findings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from processes.db import utcnow
from processes.demo_live import seed_year
from processes.models import User
from processes.runtime import calendar
from processes.unit import Database

from .conftest import axe_violations, log_in


@pytest.fixture(scope="module")
def year(live_db: Database) -> str:
    """Forty demo requests over the last year; the URL arguments of that year."""

    def seed(session: Any) -> None:
        users = {user.username: user for user in session.scalars(select(User))}
        seed_year(session, users, 40, seed=3)

    live_db.run(seed)
    today = calendar().local_date(utcnow())
    return f"from={(today - timedelta(days=366)).isoformat()}&to={today.isoformat()}"


def test_dashboard_draws_every_chart_above_its_table(page: Page, live_server: str, year: str) -> None:
    log_in(page, live_server, "analyst")
    page.goto(f"{live_server}/dashboard?{year}")

    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c.chart)")
    drawn, empty = page.locator("figure canvas[data-chart]").count(), page.locator("figure p.muted").count()
    assert drawn >= 3 and drawn + empty == page.locator("figure.chart-figure").count() == 5
    expect(page.get_by_role("table", name="Requests per channel")).to_be_visible()
    expect(page.get_by_role("table", name="Requests per channel").get_by_role("row")).not_to_have_count(1)
    assert axe_violations(page) == []


def test_heatmap_puts_counts_on_the_diagram(page: Page, live_server: str, year: str) -> None:
    log_in(page, live_server, "analyst")
    page.goto(f"{live_server}/dashboard/heatmap/citizen_request?{year}")

    expect(page.locator("#heatmap[data-ready='true']")).to_be_attached()
    expect(page.locator(".os-heat-badge").first).to_be_visible()
    expect(page.get_by_role("heading", name="Busiest steps")).to_be_visible()
    assert axe_violations(page) == []


def test_a_bad_filter_is_explained_next_to_the_field(page: Page, live_server: str) -> None:
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/dashboard?from=2036-05-01&to=2036-04-01")

    expect(page.get_by_role("alert")).to_contain_text("after it ends")
    expect(page.get_by_label("Received from")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
