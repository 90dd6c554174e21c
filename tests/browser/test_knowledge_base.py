"""An analyst writes a Swedish knowledge-base article in the browser; a CSU agent finds it on the intake page.

Both read Swedish (users of their own, so the other browser tests keep their English demo logins), and the
article's words are its own, so no other test's search meets it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from processes.unit import Database
from processes.users import add_member, ensure_user, find_group, set_locale

from .conftest import axe_violations

TITLE = "Julgransinsamling i januari"
BODY = "Granarna hämtas vid tomtgränsen andra veckan i januari. Ta bort all glitter först."


def swedish_people(db: Database) -> None:
    def work(session: Session) -> None:
        writer = ensure_user(session, "kb_analyst", display_name="Kim Analytiker", roles=["analyst"], password="demo")
        agent = ensure_user(session, "kb_csu", display_name="Cilla Kontakt", roles=["csu_agent"], password="demo")
        add_member(session, agent, find_group(session, "csu"))
        for user in (writer, agent):
            set_locale(session, user, "sv")

    db.run(work)


def log_in_swedish(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.evaluate("document.documentElement.lang") == "sv"


def test_an_analyst_writes_a_swedish_article_the_csu_finds_at_intake(page: Page, live_server: str,
                                                                      live_db: Database) -> None:
    swedish_people(live_db)
    log_in_swedish(page, live_server, "kb_analyst")

    page.get_by_role("link", name="Kunskapsbank", exact=True).click()  # in the navigation
    page.wait_for_url(re.compile(r"/knowledge$"))
    page.get_by_role("link", name="Ny artikel").click()
    page.get_by_label("Språk").select_option("sv")
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Text", exact=True).fill(BODY)
    page.get_by_label("Kategori").select_option(label="Missad sophämtning")
    page.get_by_label("Etiketter").fill("julgran, gran")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Spara").click()

    page.wait_for_url(re.compile(r"/knowledge$"))
    expect(page.locator(".flash-success")).to_contain_text(f"Artikeln ”{TITLE}” har sparats.")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Svenska")
    expect(row).to_contain_text("Missad sophämtning")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(lambda url: "/login" in url)

    log_in_swedish(page, live_server, "kb_csu")
    page.goto(f"{live_server}/intake")
    page.get_by_label("Sök artiklar").fill("julgran glitter")
    expect(page.locator("#kb-results .kb-title")).to_have_text([TITLE])
    expect(page.locator("#kb-results .kb-body")).to_have_text([BODY])
    expect(page.locator("#kb-results .kb-language")).to_have_count(0)  # in the reader's language: no mark
