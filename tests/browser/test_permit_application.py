"""The second shipped routine end to end in the browser: the CSU starts a building permit application
from the start page, the building permits office reviews it (two reviews at once) and decides it, and the
dashboard and its heatmap show the process. Nothing in the application names this routine."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import axe_violations, log_in
from .test_csu_and_officer import complete, open_task, switch_user


def start_permit_application(page: Page, base: str) -> str:
    """As the logged-in CSU agent: the case reference of a new application, from the start page."""
    page.get_by_role("link", name="Start a case").click()
    expect(page.get_by_role("heading", level=1, name="Start a case")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Building permit application").click()
    form = page.locator("#task-form-container[data-ready=true]")
    expect(form).to_be_attached()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Start case").click()  # nothing filled in: the browser says what is missing
    expect(page.locator("#task-form-container")).to_contain_text("Field is required")
    assert "/start/permit_application" in page.url

    page.get_by_label("Extension").check()
    page.get_by_label("Applicant name").fill("Nils Ek")
    page.get_by_label("Applicant e-mail").fill("nils.ek@example.org")
    page.get_by_label("Property designation").fill("Eken 4:12")
    page.get_by_label("Property address").fill("Storgatan 12")
    page.get_by_label("Floor area (m²)").fill("35")
    page.get_by_label("Description of the works").fill("A glazed veranda on the garden side.")
    page.get_by_role("button", name="Start case").click()

    page.wait_for_url(re.compile(r"/cases/\d+$"))
    started = page.locator(".flash-success")
    expect(started).to_contain_text(re.compile(r"Case PA-\d{4}-\d{6} started"))
    match = re.search(r"PA-\d{4}-\d{6}", started.inner_text())
    assert match is not None
    return match.group(0)


def test_a_permit_application_from_the_start_page_to_its_decision(page: Page, live_server: str) -> None:
    log_in(page, live_server, "csu")
    ref = start_permit_application(page, live_server)
    page.goto(f"{live_server}/inbox")
    expect(page.get_by_role("row").filter(has_text=ref)).to_have_count(0)  # the reviews are the office's

    switch_user(page, live_server, "permits_officer")
    page.goto(f"{live_server}/inbox")
    rows = page.get_by_role("row").filter(has_text=ref)
    expect(rows).to_have_count(2)
    expect(rows.get_by_role("link", name="Technical review")).to_be_visible()
    expect(rows.get_by_role("link", name="Planning review")).to_be_visible()

    open_task(page, live_server, ref, "Technical review")
    assert axe_violations(page) == []
    page.get_by_label("Met", exact=True).check()
    page.get_by_label("Technical review notes").fill("Load calculation attached and correct.")
    complete(page)
    expect(page.locator(".flash-success")).to_contain_text("Task completed")

    open_task(page, live_server, ref, "Planning review")
    page.get_by_label("Complies", exact=True).check()
    page.get_by_label("Planning review notes").fill("Within the building rights of the plan.")
    complete(page)
    expect(page.locator(".flash-success")).to_contain_text("next: Decide application")

    open_task(page, live_server, ref, "Decide application")
    page.get_by_label("Approved", exact=True).check()
    page.get_by_label("Decision to the applicant").fill("Your building permit is granted.")
    complete(page)
    expect(page.locator(".flash-success")).to_contain_text(f"case {ref} is closed")

    switch_user(page, live_server, "analyst")
    page.goto(f"{live_server}/dashboard")
    page.get_by_role("link", name="Heatmap of Building permit application").click()
    expect(page.locator("#heatmap[data-ready='true']")).to_be_attached()
    expect(page.locator(".os-heat-badge").first).to_be_visible()
    expect(page.get_by_role("heading", name="Busiest steps")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Decide application")
    assert axe_violations(page) == []
