"""The BPMN editor: a new process from scratch, the OneStop properties group, problems marked on save."""

from __future__ import annotations

import secrets

from lxml import etree
from playwright.sync_api import Page, expect

from processes.translations import SPIFF_NS

from .conftest import axe_violations, log_in


def documentation_sv(xml: str) -> dict[str, str]:
    """{element id: its documentation_sv} in the saved XML, as the server reads it."""
    root = etree.fromstring(xml.encode())
    return {prop.getparent().getparent().getparent().get("id"): prop.get("value")
            for prop in root.iter(f"{{{SPIFF_NS}}}property") if prop.get("name") == "documentation_sv"}


def new_draft(page: Page, live_server: str, key: str, name: str | None = None) -> None:
    """As the analyst, create a draft of a new process and wait for its BPMN editor."""
    log_in(page, live_server, "analyst")
    page.get_by_label("Key").fill(key)
    if name is not None:
        page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")


def select_element(page: Page, element_id: str, name: str | None = None) -> None:
    """Select the element and wait until the properties panel shows it (by `name`, else its own name)."""
    page.evaluate("""(id) => { document.activeElement.blur(); const m = window.onestopEditor.modeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", element_id)
    if name is None:
        name = page.evaluate(
            "(id) => window.onestopEditor.modeler.get('elementRegistry').get(id).businessObject.name", element_id)
    expect(page.locator(".bio-properties-panel-header")).to_contain_text(name)


def wait_written(page: Page, text: str) -> None:
    """The panel writes a text field to the diagram after a pause: wait until it has."""
    for _ in range(100):
        if text in page.evaluate("window.onestopEditor.content()"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{text} never reached the diagram")


def test_a_form_set_in_the_onestop_group_is_saved_and_a_missing_form_is_marked(page: Page, live_server: str) -> None:
    key = f"permit_{secrets.token_hex(3)}"
    new_draft(page, live_server, key, "Parking permit")
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


def test_the_routine_properties_set_in_the_onestop_group_are_saved_and_checked(page: Page, live_server: str) -> None:
    key = f"routine_{secrets.token_hex(3)}"
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e.stack)))
    new_draft(page, live_server, key, "Routine properties")

    def type_in(label: str, value: str) -> None:
        page.get_by_label(label, exact=True).fill(value)
        wait_written(page, f'value="{value}"')

    select_element(page, f"participant_{key}")
    type_in("Business key prefix", "RP")
    type_in("Start groups", "csu")
    page.get_by_label("Takes citizens' requests").select_option("true")
    type_in("Citizen e-mail field", "email")  # no form or script of the process has it
    select_element(page, "first_step")
    page.get_by_label("Role", exact=True).select_option("follow_up")
    type_in("Answered when", "outcome ==")
    type_in("Information request when", "outcome == more")
    select_element(page, "lane_csu")
    type_in("Group", "=office")
    page.get_by_label("Managers only").select_option("true")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator("#os-problems")).to_contain_text("answered_when: ")
    expect(page.locator("#os-problems")).to_contain_text("citizen_email_field: the process has no 'email'")
    expect(page.locator('[data-element-id="first_step"].os-problem')).to_have_count(1)
    xml = page.evaluate("window.onestopEditor.content()")
    for name, value in (("business_key_prefix", "RP"), ("start_groups", "csu"), ("citizen_channel", "true"),
                        ("role", "follow_up"), ("answered_when", "outcome =="), ("group", "=office"),
                        ("managers_only", "true"), ("citizen_email_field", "email"),
                        ("info_request_when", "outcome == more")):
        assert f'name="{name}" value="{value}"' in xml, name

    select_element(page, f"participant_{key}")
    page.get_by_label("Citizen e-mail field", exact=True).fill("")  # emptied: the property goes
    for _ in range(100):
        if "citizen_email_field" not in page.evaluate("window.onestopEditor.content()"):
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError("citizen_email_field stayed in the diagram")

    select_element(page, "first_step")
    page.get_by_label("Answered when", exact=True).fill("outcome == 'done'")
    wait_written(page, "done")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#os-problems")).to_have_text("No problems: this draft can be deployed.")
    page.reload()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    xml = page.evaluate("window.onestopEditor.content()")
    assert "name=\"answered_when\" value=\"outcome == 'done'\"" in xml or \
        'name="answered_when" value="outcome == &#39;done&#39;"' in xml, xml
    assert 'name="business_key_prefix" value="RP"' in xml
    assert errors == []


def test_an_elements_swedish_name_is_set_in_the_onestop_group(page: Page, live_server: str) -> None:
    new_draft(page, live_server, f"translated_{secrets.token_hex(3)}", "Translated")
    page.evaluate("""() => { const m = window.onestopEditor.modeler;
        m.get('selection').select(m.get('elementRegistry').get('first_step')); }""")
    page.get_by_label("Name in Swedish", exact=True).fill("Första steget")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#os-status")).to_contain_text("Saved")
    page.reload()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    assert 'name="name_sv" value="Första steget"' in page.evaluate("window.onestopEditor.content()")


def test_the_editors_speak_english_to_an_english_reader(page: Page, live_server: str) -> None:
    """The Swedish dictionary (frontend/translations/sv.json) is for Swedish pages only."""
    new_draft(page, live_server, f"english_{secrets.token_hex(3)}")
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator(".djs-palette").get_by_role("button", name="Create start event")).to_be_visible()
    page.evaluate("""() => { const m = window.onestopEditor.modeler;
        m.get('selection').select(m.get('elementRegistry').get('first_step')); }""")
    append_task = page.locator('.djs-context-pad [data-action="append.append-task"]')
    expect(append_task).to_have_attribute("title", "Append task")
    general = page.locator('[data-group-id="group-general"] .bio-properties-panel-group-header-title')
    expect(general).to_have_text("General")
    expect(page.get_by_label("Form file", exact=True)).to_be_visible()
    page.locator('.djs-context-pad [data-action="replace"]').click()
    expect(page.locator(".djs-popup-title")).to_have_text("Change element")
    page.keyboard.press("Escape")
    assert page.evaluate("OneStop.missingTranslations()") == []  # no dictionary asked in English

    page.get_by_label("Kind", exact=True).select_option("dmn")
    page.locator("#f-name").fill("rules")
    page.get_by_role("button", name="Add file").click()
    page.wait_for_function("() => window.onestopEditor?.ready && window.onestopEditor.kind === 'dmn'")
    expect(page.locator(".os-dmn-tab").first).to_have_text("Decision requirements")
    expect(page.locator(".tjs-table")).to_contain_text("When")
    expect(page.locator("#os-canvas")).to_contain_text("Hit policy:")


def test_swedish_descriptions_are_set_in_the_onestop_group(page: Page, live_server: str) -> None:
    """A task's description and, on the pool, its process's description (the start page's) in Swedish."""
    key = f"described_{secrets.token_hex(3)}"
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e.stack)))
    new_draft(page, live_server, key, "Described")

    select_element(page, "first_step", "First step")
    task_description = page.get_by_label("Description in Swedish", exact=True)
    expect(task_description).to_have_js_property("tagName", "TEXTAREA")  # a multi-line field
    task_description.fill("Kontaktcenter registrerar ärendet.\nRing tillbaka inom en dag.")
    wait_written(page, 'name="documentation_sv"')
    select_element(page, f"participant_{key}", "Described")
    expect(page.get_by_label("Process description in Swedish", exact=True)).to_be_visible()
    page.get_by_label("Process description in Swedish", exact=True).fill("Vad rutinen är till för.")
    wait_written(page, 'value="Vad rutinen är till för."')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#os-status")).to_contain_text("Saved")

    page.reload()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    xml = page.evaluate("window.onestopEditor.content()")
    assert documentation_sv(xml) == {"first_step": "Kontaktcenter registrerar ärendet.\nRing tillbaka inom en dag.",
                          key: "Vad rutinen är till för."}
    select_element(page, "first_step", "First step")
    expect(page.get_by_label("Description in Swedish", exact=True)).to_have_value(
        "Kontaktcenter registrerar ärendet.\nRing tillbaka inom en dag.")
    assert errors == []
