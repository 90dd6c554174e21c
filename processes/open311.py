"""Requests reported through Open311 (GeoReport v2): the process that takes citizens' requests, channel "app".

The case is started and its intake completed by the system, so it lands directly in the office
that the routing table picks, with the same acknowledgement and deadline as any other request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .db import utcnow
from .errors import InvalidFormData
from .handover import start_with_intake
from .models import ApiKey, Case
from .routines import citizen_version, version_routine
from .service_catalog import find_service
from .texts import Text

MAX_DESCRIPTION = 4000  # the specification's limit, and the intake form's
MAX_FIELD = 200


@dataclass(frozen=True)
class ServiceRequestInput:
    """The arguments of POST requests, as sent (form-encoded text)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    description: str = ""
    media_url: str = ""
    device_id: str = ""
    account_id: str = ""


def submit_service_request(session: Session, key: ApiKey, form: ServiceRequestInput, *,
                           now: datetime | None = None) -> Case:
    """Start a citizen request from an Open311 client and hand it to its office at once.

    InvalidFormData names each missing or wrong argument; NotFound an unknown service_code."""
    now = now or utcnow()
    if not form.service_code.strip():
        raise InvalidFormData({"service_code": Text("service_code was not provided")})
    service = find_service(session, form.service_code.strip())
    location = _location(form)
    description = _description(form, service.name, location)
    routine = version_routine(citizen_version(session))
    start_data = {**routine.data_for(channel="app"), "open311": {**location, **_extras(form), "api_key": key.name}}
    email = form.email.strip()
    # Under the fields the routine names for each part (docs/routines.md); the rest is left out.
    intake = routine.data_for(channel="app", citizen_name=_reporter(form), category=service.code,
                              description=description, first_contact=False)
    if email:
        intake.update(routine.data_for(citizen_email=email))
    return start_with_intake(session, None, start_data, intake, now=now, drop_unknown=True)


def _location(form: ServiceRequestInput) -> dict[str, Any]:
    """One of lat & long, address_string or address_id is required."""
    errors: dict[str, str] = {}
    place: dict[str, Any] = {}
    if form.lat.strip() or form.long.strip():
        lat, long = _coordinate(form.lat, 90, "lat", errors), _coordinate(form.long, 180, "long", errors)
        place.update(lat=lat, long=long)
    for name in ("address_string", "address_id"):
        value = getattr(form, name).strip()
        if len(value) > MAX_FIELD:
            errors[name] = f"{name} is longer than {MAX_FIELD} characters"
        elif value:
            place[name] = value
    if not place and not errors:
        errors["lat"] = "a location is required: lat and long, address_string or address_id"
    if errors:
        raise InvalidFormData(errors)
    return place


def _coordinate(text: str, limit: int, name: str, errors: dict[str, str]) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        errors[name] = f"{name} must be a number (WGS84 degrees); lat and long are sent together"
        return None
    if not math.isfinite(value) or abs(value) > limit:
        errors[name] = f"{name} must be between -{limit} and {limit}"
        return None
    return value


def _extras(form: ServiceRequestInput) -> dict[str, str]:
    errors, kept = {}, {}
    for name in ("phone", "media_url", "device_id", "account_id"):
        value = getattr(form, name).strip()
        if len(value) > MAX_FIELD * 5:
            errors[name] = f"{name} is too long"
        elif value:
            kept[name] = value
    if kept.get("media_url") and not kept["media_url"].startswith(("https://", "http://")):
        errors["media_url"] = "media_url must be an http(s) URL"
    if errors:
        raise InvalidFormData(errors)
    return kept


def _description(form: ServiceRequestInput, service_name: str, location: dict[str, Any]) -> str:
    """The reporter's text with the location appended, so the office sees where at a glance."""
    text = form.description.strip() or service_name
    where = location.get("address_string") or ""
    if location.get("lat") is not None:
        where = f"{where} ({location['lat']}, {location['long']})".strip()
    full = f"{text}\n\nLocation: {where}" if where else text
    if len(full) > MAX_DESCRIPTION:
        raise InvalidFormData({"description": Text("description is longer than %(n)s characters (with "
                                                   "the address)", n=MAX_DESCRIPTION)})
    return full


def _reporter(form: ServiceRequestInput) -> str:
    name = " ".join(part.strip() for part in (form.first_name, form.last_name) if part.strip())
    return (name or form.email.strip() or "Anonymous (Open311)")[:MAX_FIELD]
