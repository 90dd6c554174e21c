"""A citizen in Chromium: sends a request on the portal, opens the link from the acknowledgement, and
the CSU finds that acknowledgement on the outbox page. Every page without accessibility problems."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page, expect
from sqlalchemy import select

from processes.models import Case, OutboxMessage
from processes.unit import Database

from .conftest import axe_violations, log_in


def test_a_portal_request_gets_a_tracking_link_that_opens_its_page(
        page: Page, live_server: str, live_db: Database) -> None:
    email = f"browser.{secrets.token_hex(4)}@example.org"
    page.goto(f"{live_server}/portal")
    assert axe_violations(page) == []
    page.get_by_label("What is it about?").select_option(label="Missed waste collection")
    page.get_by_label("Your request").fill("The bin on Ågatan 4 was not emptied on Monday.")
    page.get_by_label("Where?").fill("Ågatan 4")
    page.get_by_label("Your name").fill("Ines Falk")
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Your request CR-")
    expect(page.get_by_text("Your request is with Waste and recycling.")).to_be_visible()
    with live_db.sessions() as session:
        case = session.scalars(select(Case).where(Case.citizen_email == email)).one()
        ack = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).one()
    match = re.search(r"/track/[A-Za-z0-9_-]+", ack.body)
    assert match and ack.template == "acknowledgement"

    page.goto(f"{live_server}{match.group(0)}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your request {case.business_key}")
    expect(page.get_by_text("We received your request.")).to_be_visible()
    assert axe_violations(page) == []

    log_in(page, live_server, "csu")
    page.get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("cell", name=email)).to_be_visible()
    assert axe_violations(page) == []


def test_portal_errors_are_announced_and_accessible(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/portal")
    page.get_by_label("Your e-mail address").fill("not an address")
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("alert")).to_contain_text("Choose a category.")
    expect(page.get_by_label("Your e-mail address")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []


def test_clicking_the_map_fills_in_the_coordinates_that_the_request_keeps(
        page: Page, live_server: str, live_db: Database) -> None:
    email = f"map.{secrets.token_hex(4)}@example.org"
    page.goto(f"{live_server}/portal")
    picker = page.locator("[data-map-picker]")
    expect(picker).to_have_attribute("data-ready", "true")
    page.get_by_label("Latitude").fill("59.3")
    page.get_by_label("Longitude").fill("18.1")
    page.get_by_label("Longitude").press("Tab")
    expect(picker.locator("path.leaflet-interactive")).to_have_count(1)  # the marker moved to the typed place

    picker.click(position={"x": 120, "y": 90})
    latitude = float(page.get_by_label("Latitude").input_value())
    longitude = float(page.get_by_label("Longitude").input_value())
    assert (latitude, longitude) != (59.3, 18.1)
    assert 58 < latitude < 61 and 17 < longitude < 19.5  # near the configured centre, Stockholm
    assert axe_violations(page) == []

    page.get_by_label("What is it about?").select_option(label="Pothole")
    page.get_by_label("Your request").fill("A deep hole where I clicked on the map.")
    page.get_by_label("Your name").fill("Mira Karta")
    page.get_by_label("Your e-mail address").fill(email)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your request CR-")
    with live_db.sessions() as session:
        case = session.scalars(select(Case).where(Case.citizen_email == email)).one()
        assert case.data["portal"] == {"lat": round(latitude, 6), "long": round(longitude, 6)}
