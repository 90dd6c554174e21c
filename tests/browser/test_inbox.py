"""The inbox and the manager view in a real browser: keyboard only, and no serious axe findings."""

from __future__ import annotations

import secrets

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.models import Task
from processes.tasks import complete_task
from processes.unit import Database
from processes.users import find_user

from .conftest import axe_violations, log_in


def handed_over_case(live_db: Database, citizen: str) -> str:
    """A pothole case waiting in streets_parks for `citizen`; returns its reference."""

    def work(session: Session) -> str:
        csu = find_user(session, "csu")
        case = start_case(session, csu, "citizen_request", {"channel": "phone"})
        intake = session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == "intake")).one()
        complete_task(session, csu, intake.id, {
            "channel": "phone", "citizen_name": citizen, "citizen_email": "alva@example.org",
            "category": "pothole", "description": "Hole", "resolved_on_first_contact": False})
        return str(case.business_key)

    return live_db.run(work)


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focus_is_visible(page: Page) -> bool:
    return bool(page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle !== 'none'"))


def test_officer_filters_and_claims_a_task_with_the_keyboard_only(
        page: Page, live_server: str, live_db: Database) -> None:
    citizen = f"Keyboard {secrets.token_hex(3)}"
    reference = handed_over_case(live_db, citizen)
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/inbox")

    tab_to(page, "#f-q")
    assert focus_is_visible(page)
    page.keyboard.type(citizen)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "q=Keyboard" in url)
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(page.locator("tbody tr")).to_have_count(1)

    tab_to(page, "button[formaction$='/claim']")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Task claimed")
    expect(row).to_contain_text("You")
    page.goto(f"{live_server}/inbox?scope=mine&q={citizen.replace(' ', '+')}")
    expect(page.get_by_role("row").filter(has_text=reference)).to_have_count(1)


def test_inbox_has_no_serious_accessibility_problems(page: Page, live_server: str, live_db: Database) -> None:
    handed_over_case(live_db, "Axe Inbox")
    for username in ("officer", "manager"):
        log_in(page, live_server, username)
        page.goto(f"{live_server}/inbox")
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Log out").click()


def test_manager_view_has_no_serious_accessibility_problems(page: Page, live_server: str, live_db: Database) -> None:
    handed_over_case(live_db, "Axe Manager")
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/manager")

    expect(page.get_by_role("heading", name="My office")).to_be_visible()
    expect(page.get_by_role("heading", name="Streets and parks")).to_be_visible()
    assert axe_violations(page) == []
