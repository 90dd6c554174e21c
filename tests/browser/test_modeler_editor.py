"""The BPMN editor: a new process from scratch, the OneStop properties group, problems marked on save."""

from __future__ import annotations

import secrets

from playwright.sync_api import Page, expect

from .conftest import axe_violations, log_in


def test_a_form_set_in_the_onestop_group_is_saved_and_a_missing_form_is_marked(page: Page, live_server: str) -> None:
    key = f"permit_{secrets.token_hex(3)}"
    log_in(page, live_server, "analyst")
    page.get_by_label("Key").fill(key)
    page.get_by_label("Name", exact=True).fill("Parking permit")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    expect(page.locator("#os-problems")).to_have_text("No problems: this draft can be deployed.")

    page.evaluate("""() => { const m = window.onestopEditor.modeler;
        m.get('selection').select(m.get('elementRegistry').get('first_step')); }""")
    form_file = page.get_by_label("Form file", exact=True)
    form_file.fill("check.form")
    expect(page.locator("#os-status")).to_have_text("Unsaved changes")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator("#os-problems")).to_contain_text("form file 'check.form' is missing")
    expect(page.locator('[data-element-id="first_step"].os-problem')).to_have_count(1)
    expect(page.locator(".os-problem-note")).to_have_text("form file 'check.form' is missing")
    assert axe_violations(page) == []

    page.reload()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    assert 'name="form" value="check.form"' in page.evaluate("window.onestopEditor.content()")
    expect(page.locator('[data-element-id="first_step"].os-problem')).to_have_count(1)
