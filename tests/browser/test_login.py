"""Each demo login lands on a working page, without serious accessibility problems."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import axe_violations, log_in


@pytest.mark.parametrize("username", ["csu", "officer", "manager", "analyst", "admin"])
def test_demo_login_lands_on_a_working_page(page: Page, live_server: str, username: str) -> None:
    log_in(page, live_server, username)
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert axe_violations(page) == []


def test_wrong_password_shows_a_message(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password.")
