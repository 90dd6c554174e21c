"""Requests from the public portal: the process that takes citizens' requests, channel "web", routed at once.

Nobody is logged in: the system starts the case and completes its intake task (not resolved on
first contact), so the routing table sends it straight to its office and the citizen gets the
acknowledgement with the tracking link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .attachments import Upload, add_photo, photo_problem
from .db import utcnow
from .errors import InvalidFormData
from .forms import EMAIL
from .handover import start_with_intake
from .models import Case
from .routines import citizen_version, version_routine
from .service_catalog import list_services
from .texts import Text

LANGUAGES = ("en", "sv")
MAX_DESCRIPTION = 4000  # the intake form's limit
MAX_NAME, MAX_EMAIL, MAX_LOCATION = 200, 254, 300


@dataclass(frozen=True)
class PortalRequest:
    """What the portal form sends; `website` is the honeypot that people never see or fill in."""

    category: str = ""
    description: str = ""
    citizen_name: str = ""
    citizen_email: str = ""
    location: str = ""
    latitude: str = ""
    longitude: str = ""
    language: str = "en"
    website: str = ""
    photo: Upload | None = None


def portal_categories(session: Session) -> list[tuple[str, str]]:
    """(value, label) of every category the deployed intake form offers."""
    return [(service.code, service.name) for service in list_services(session)]


def submit_request(session: Session, data: PortalRequest, now: datetime | None = None) -> Case | None:
    """Start a case for a portal request and hand it to its office; None (and nothing stored) for a bot.

    InvalidFormData names every field that is missing or wrong."""
    if data.website.strip():
        return None  # the honeypot was filled in: only a bot does that
    now = now or utcnow()
    intake, place = _check(session, data)
    language = data.language if data.language in LANGUAGES else "en"
    start_data = {**version_routine(citizen_version(session)).data_for(channel="web"), "language": language,
                  "portal": place}
    case = start_with_intake(session, None, start_data, intake, now=now, drop_unknown=True)
    if data.photo is not None:
        add_photo(session, case, data.photo, now)
    session.flush()
    return case


def _check(session: Session, data: PortalRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """(intake form data, location) for a valid request; InvalidFormData listing every problem."""
    errors: dict[str, str] = {}
    codes = {code for code, _ in portal_categories(session)}
    category = data.category.strip()
    if category not in codes:
        errors["category"] = Text("Choose one of the listed categories.") if category else Text("Choose a category.")
    name, email, location = data.citizen_name.strip(), data.citizen_email.strip(), data.location.strip()
    _text(errors, "citizen_name", name, MAX_NAME, Text("Enter your name."))
    _text(errors, "citizen_email", email, MAX_EMAIL,
          Text("Enter your e-mail address: we send the tracking link there."))
    if email and "citizen_email" not in errors and not EMAIL.fullmatch(email):
        errors["citizen_email"] = Text("Enter an e-mail address like name@example.org.")
    _text(errors, "location", location, MAX_LOCATION, None)
    place = _coordinates(errors, data.latitude, data.longitude)
    if location:
        place["location"] = location
    description = data.description.strip()
    coordinates = f"({place['lat']}, {place['long']})" if "lat" in place and "long" in place else ""
    where = " ".join(part for part in (location, coordinates) if part)
    full = f"{description}\n\nLocation: {where}" if where else description
    _text(errors, "description", description, MAX_DESCRIPTION, Text("Describe your request."))
    if "description" not in errors and len(full) > MAX_DESCRIPTION:
        errors["description"] = Text("The description and location together must stay under %(n)s characters.",
                                      n=MAX_DESCRIPTION)
    if data.photo is not None and (problem := photo_problem(data.photo)):
        errors["photo"] = problem
    if errors:
        raise InvalidFormData(errors)
    # Under the fields the routine names for each part (docs/routines.md); the rest is left out.
    intake = version_routine(citizen_version(session)).data_for(
        channel="web", citizen_name=name, citizen_email=email, category=category, description=full,
        first_contact=False)
    return intake, place


def _text(errors: dict[str, str], key: str, value: str, limit: int, missing: str | None) -> None:
    if not value and missing:
        errors[key] = missing
    elif len(value) > limit:
        errors[key] = Text("At most %(n)s characters, please.", n=limit)


def _coordinates(errors: dict[str, str], latitude: str, longitude: str) -> dict[str, Any]:
    """Latitude and longitude (WGS84 degrees) come together or not at all."""
    if not latitude.strip() and not longitude.strip():
        return {}
    place: dict[str, Any] = {}
    for key, text, limit in (("lat", latitude, 90.0), ("long", longitude, 180.0)):
        field = "latitude" if key == "lat" else "longitude"
        try:
            value = float(text.strip())
        except ValueError:
            errors[field] = Text("Enter the coordinate as a number of degrees, or leave both coordinates empty.")
            continue
        if not -limit <= value <= limit:  # also refuses nan and inf
            errors[field] = Text("It must be between -%(n)s and %(n)s.", n=f"{limit:g}")
            continue
        place[key] = round(value, 6)
    return place
