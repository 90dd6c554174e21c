"""The CSU takes requests in and the office works them, in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import axe_violations, log_in


def register(page: Page, base: str, *, category: str, description: str, resolved: bool = False) -> str:
    """Fill in the intake form as the logged-in CSU agent; the case reference from the receipt."""
    page.goto(f"{base}/intake")
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_label("Citizen name").fill("Alva Berg")
    page.get_by_label("Citizen e-mail").fill("alva.berg@example.org")
    page.get_by_label("Category").select_option(label=category)
    page.get_by_label("Description").fill(description)
    if resolved:
        page.get_by_label("Resolved on first contact").check()
    page.get_by_role("button", name="Register request").click()
    expect(page.get_by_role("heading", name="Request registered")).to_be_visible()
    return page.locator(".receipt-ref").inner_text().strip()


def switch_user(page: Page, base: str, username: str) -> None:
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, username)


def open_task(page: Page, base: str, case_ref: str, task_name: str) -> None:
    """From the inbox, open the task of the case."""
    page.goto(f"{base}/inbox")
    row = page.get_by_role("row").filter(has_text=case_ref)
    row.get_by_role("link", name=task_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(task_name)
    expect(page.locator("#task-form-container[data-ready=true]")).to_be_attached()


def complete(page: Page) -> None:
    page.get_by_role("button", name="Complete task").click()
    page.wait_for_url(re.compile(r"/inbox"))


def test_csu_resolves_a_request_on_first_contact_with_a_knowledge_base_article(page: Page, live_server: str) -> None:
    log_in(page, live_server, "csu")
    expect(page.get_by_role("heading", level=1, name="New request")).to_be_visible()  # the CSU's home
    assert axe_violations(page) == []

    page.get_by_label("Search articles").fill("lamp post")
    article = page.get_by_label("Used this article: Broken streetlight")
    expect(article).to_be_visible()
    assert axe_violations(page) == []  # with search results beside the form
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_label("Citizen name").fill("Sara Lind")
    page.get_by_label("Category").select_option(label="Street light out")
    page.get_by_label("Description").fill("The lamp at the bus stop on Kyrkvägen is out.")
    article.check()
    page.get_by_label("Resolved on first contact").check()
    page.get_by_role("button", name="Register request").click()

    expect(page.get_by_role("heading", name="Request registered")).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("Resolved on first contact")
    expect(page.locator(".receipt-ref")).to_have_text(re.compile(r"CR-\d{4}-\d{6}"))


def test_officer_claims_corrects_and_completes_a_handed_over_request(page: Page, live_server: str) -> None:
    log_in(page, live_server, "csu")
    ref = register(page, live_server, category="Pothole", description="A deep pothole outside Storgatan 5.")
    expect(page.locator(".receipt")).to_contain_text("Streets and parks")
    expect(page.locator(".receipt")).to_contain_text(re.compile(r"Reply deadline\s*\d{4}-\d\d-\d\d"))

    switch_user(page, live_server, "officer")
    open_task(page, live_server, ref, "Handle request")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Claim").click()
    expect(page.locator(".task-status")).to_contain_text("Claimed by Oskar Officer")
    expect(page.locator("#task-form-container[data-ready=true]")).to_be_attached()

    page.get_by_role("button", name="Complete task").click()  # no outcome chosen
    expect(page.locator("#task-form-container")).to_contain_text("Field is required")
    assert "/tasks/" in page.url
    assert axe_violations(page) == []  # with the error shown in the form
    page.get_by_label("Resolved", exact=True).check()
    page.get_by_label("Answer to the citizen (needed when resolved)").fill("Filled in this morning.")
    complete(page)

    expect(page.locator(".flash-success")).to_contain_text(f"case {ref} is closed")


def test_need_more_information_goes_through_the_csu_and_back_to_the_office(page: Page, live_server: str) -> None:
    log_in(page, live_server, "csu")
    ref = register(page, live_server, category="Pothole", description="A pothole somewhere on Ringvägen.")

    switch_user(page, live_server, "officer")
    open_task(page, live_server, ref, "Handle request")
    page.get_by_label("Need more information from the citizen").check()
    page.get_by_label("What should the CSU ask the citizen?").fill("Which house number on Ringvägen?")
    complete(page)
    expect(page.locator(".flash-success")).to_contain_text("Sent to the CSU: Contact citizen")

    switch_user(page, live_server, "csu")
    open_task(page, live_server, ref, "Contact citizen")
    expect(page.locator(".case-summary")).to_contain_text("Which house number on Ringvägen?")
    page.get_by_label("Citizen's reply").fill("Outside number 12.")
    complete(page)
    expect(page.locator(".flash-success")).to_contain_text("Handed over to Streets and parks")

    switch_user(page, live_server, "officer")
    open_task(page, live_server, ref, "Handle request")
    expect(page.locator(".case-summary")).to_contain_text("Outside number 12.")
