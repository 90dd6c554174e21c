"""What a person sees first: the diagram beside the palette, zoom at hand, whole radios, no sideways scrolling."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import log_in
from .test_case_view import handed_over_case


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def test_the_case_diagram_has_zoom_buttons_that_zoom(page: Page, live_server: str, live_db) -> None:  # type: ignore[no-untyped-def]
    case_id = handed_over_case(live_db, "Zoomed pothole")
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/cases/{case_id}")
    diagram = page.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-ready", "true")
    before = _box(page, '#case-diagram [data-element-id="handle_request"]')
    diagram.get_by_role("button", name="Zoom in").click()
    diagram.get_by_role("button", name="Zoom in").click()
    zoomed = _box(page, '#case-diagram [data-element-id="handle_request"]')
    assert zoomed["width"] > before["width"] * 1.4
    diagram.get_by_role("button", name="Fit the diagram").click()
    fitted = _box(page, '#case-diagram [data-element-id="handle_request"]')
    assert abs(fitted["width"] - before["width"]) < 1
    diagram.get_by_role("button", name="Zoom out").click()
    assert _box(page, '#case-diagram [data-element-id="handle_request"]')["width"] < before["width"]


def _open_draft_file(page: Page, live_server: str, name: str) -> None:
    log_in(page, live_server, "analyst")
    page.goto(f"{live_server}/modeler/citizen_request")
    start = page.get_by_role("button", name="Edit a copy of the newest version")
    if start.count():
        start.click()
    page.goto(f"{live_server}/modeler/citizen_request?file={name}")
    page.wait_for_function("window.onestopEditor && window.onestopEditor.ready")


def test_the_modeler_shows_the_start_of_the_diagram_beside_the_palette(page: Page, live_server: str) -> None:
    _open_draft_file(page, live_server, "citizen_request.bpmn")
    palette = _box(page, ".djs-palette")
    canvas = _box(page, "#os-canvas")
    for shape in page.locator("#os-canvas g.djs-shape[data-element-id]").all():
        box = shape.bounding_box()
        assert box is not None
        assert box["x"] >= palette["x"] + palette["width"], shape.get_attribute("data-element-id")
        assert box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1, shape.get_attribute("data-element-id")


def test_radio_options_in_the_form_editor_are_shown_whole(page: Page, live_server: str) -> None:
    _open_draft_file(page, live_server, "forms/handle_request.form")
    radio = page.locator("#os-canvas input[type=radio]").first
    expect(radio).to_be_visible()
    label = page.locator("#os-canvas .fjs-form-field-radio label.fjs-form-field-label").nth(1)
    radio_box, label_box = radio.bounding_box(), label.bounding_box()
    assert radio_box is not None and label_box is not None
    assert radio_box["width"] < 30
    # the option's text starts right after its radio, not pushed off to the right edge
    assert 0 <= label_box["x"] - (radio_box["x"] + radio_box["width"]) < 40


def _page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_outbox_and_inbox_do_not_scroll_sideways_on_a_narrow_window(page: Page, live_server: str, live_db) -> None:  # type: ignore[no-untyped-def]
    handed_over_case(live_db, "A request whose acknowledgement has a long tracking link " + "x" * 80)
    page.set_viewport_size({"width": 640, "height": 800})
    log_in(page, live_server, "csu")
    page.goto(f"{live_server}/admin/outbox")
    page.locator(".outbox-table details summary").first.click()
    expect(page.locator(".outbox-body").first).to_be_visible()
    assert _page_width(page) <= 640
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/inbox")
    expect(page.locator(".inbox-table")).to_be_visible()
    assert _page_width(page) <= 640
