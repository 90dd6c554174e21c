"""The case page in a real browser: the bpmn-js diagram marks where the case is and where it has been."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.models import Task
from processes.tasks import complete_task
from processes.unit import Database
from processes.users import find_user

from .conftest import axe_violations, log_in


def handed_over_case(live_db: Database, description: str) -> int:
    """A case the CSU took in and handed to streets_parks; returns its id."""

    def work(session: Session) -> int:
        csu = find_user(session, "csu")
        case = start_case(session, csu, "citizen_request", {"channel": "phone"})
        intake = session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == "intake")).one()
        complete_task(session, csu, intake.id, {
            "channel": "phone", "citizen_name": "Greta Browser", "citizen_email": "greta@example.org",
            "category": "pothole", "description": description, "resolved_on_first_contact": False})
        return case.id

    return live_db.run(work)


def test_case_page_draws_the_diagram_with_current_task_and_path_taken(
        page: Page, live_server: str, live_db: Database) -> None:
    case_id = handed_over_case(live_db, "Pothole drawn in the browser test")
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/cases/{case_id}")
    diagram = page.locator("#case-diagram")
    expect(diagram.locator("svg").first).to_be_visible()
    expect(diagram).to_have_attribute("data-ready", "true")
    expect(diagram.locator('[data-element-id="handle_request"]')).to_have_class(re.compile(r"\bos-active\b"))
    expect(diagram.locator('[data-element-id="intake"]')).to_have_class(re.compile(r"\bos-done\b"))
    expect(diagram.locator('[data-element-id="contact_citizen"]')).not_to_have_class(re.compile(r"\bos-(done|active)\b"))
    expect(page.get_by_role("link", name="Handle request")).to_be_visible()
    assert axe_violations(page) == []


def test_case_search_finds_the_case_and_has_no_accessibility_violations(
        page: Page, live_server: str, live_db: Database) -> None:
    case_id = handed_over_case(live_db, "Searchable crater near the library")
    log_in(page, live_server, "csu")
    page.goto(f"{live_server}/cases")
    page.get_by_label("Search", exact=True).fill("crater near the library")
    page.get_by_role("button", name="Search").click()
    link = page.get_by_role("link", name="CR-")
    expect(link).to_have_count(1)
    assert axe_violations(page) == []
    link.click()
    page.wait_for_url(f"**/cases/{case_id}")
    expect(page.locator("h1")).to_contain_text("Case CR-")
