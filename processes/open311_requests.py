"""Service requests as Open311 (GeoReport v2) shows them: the query and the public view of a case.

The list is public in the specification (no API key), so it carries no personal data: no names,
no e-mail addresses, and the description and location only of requests that were themselves
reported through Open311. A request made at the CSU desk stays private apart from its type,
office, state and dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .case_search import group_titles
from .db import utcnow
from .errors import InvalidFormData, NotFound
from .models import Case, Event
from .routines import Routine, case_routine
from .runtime import calendar
from .service_catalog import Service, list_services, services_version
from .texts import Text

MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
STATUSES = {"open": ("open",), "closed": ("closed", "cancelled")}


def w3c(moment: datetime | None) -> str | None:
    """2010-01-01T00:00:00Z: the specification's w3 format, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def parse_w3c(text: str, name: str) -> datetime:
    """A W3C date-time with its time zone (a date alone is midnight UTC); InvalidFormData otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None and "T" in text:
            raise ValueError("no time zone")
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidFormData({name: Text("%(name)s must be a w3 date-time with a time zone, e.g. "
                                          "2010-01-01T00:00:00Z", name=name)}) from None


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _window(start_date: str, end_date: str, now: datetime) -> tuple[datetime, datetime]:
    """The requested_datetime range: the 90 days before end_date (default now), or from start_date."""
    start = parse_w3c(start_date, "start_date") if start_date.strip() else None
    end = parse_w3c(end_date, "end_date") if end_date.strip() else None
    try:
        if end is None:
            end = start + MAX_SPAN if start is not None else now
        start = start if start is not None else end - MAX_SPAN
    except OverflowError:
        raise InvalidFormData({"start_date": Text("the date range is out of bounds")}) from None
    if end < start:
        raise InvalidFormData({"end_date": Text("end_date is before start_date")})
    if end - start > MAX_SPAN:
        raise InvalidFormData({"end_date": Text("the range between start_date and end_date may not exceed 90 days")})
    return start, end


def search_service_requests(
    session: Session, *, service_request_id: str = "", service_code: str = "", start_date: str = "",
    end_date: str = "", status: str = "", now: datetime | None = None,
) -> list[Case]:
    """Requests matching the specification's filters, newest first, at most 1000.

    service_request_id (comma-separated) overrides every other filter."""
    query = select(Case).where(Case.process_key == services_version(session).key, Case.category.is_not(None))
    ids = _split(service_request_id)
    if ids:
        query = query.where(Case.business_key.in_(ids[:MAX_RESULTS]))
    else:
        statuses = _split(status)
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise InvalidFormData({"status": Text("unknown status '%(status)s': use open or closed",
                                                  status=unknown[0])})
        start, end = _window(start_date, end_date, now or utcnow())
        query = query.where(Case.created_at >= start, Case.created_at <= end)
        if statuses:
            query = query.where(Case.status.in_([db for s in statuses for db in STATUSES[s]]))
        codes = _split(service_code)
        if codes:
            query = query.where(Case.category.in_(codes))
    return list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_RESULTS)))


def get_service_request(session: Session, service_request_id: str) -> Case:
    case = session.scalars(select(Case).where(Case.business_key == service_request_id,
                                              Case.process_key == services_version(session).key)).first()
    if case is None or case.category is None:
        raise NotFound(Text("no service request '%(service_request_id)s'", service_request_id=service_request_id))
    return case


def service_notice(case: Case, office_title: str | None) -> str:
    if case.status != "open":
        return "This request is closed."
    if office_title and case.due_at is not None:
        return f"{office_title} handles this request and will answer by {calendar().local_date(case.due_at)}."
    return f"{office_title} handles this request." if office_title else "We have received this request."


def service_request_views(session: Session, cases: Sequence[Case]) -> list[dict[str, Any]]:
    """The specification's fields for each case, in order."""
    try:
        services = {s.code: s for s in list_services(session)}
    except NotFound:
        services = {}
    titles = group_titles(session)
    updated = _last_changes(session, [c.id for c in cases])
    return [_view(case, services.get(case.category or ""), titles, updated.get(case.id)) for case in cases]


def _last_changes(session: Session, case_ids: list[int]) -> dict[int, datetime]:
    if not case_ids:
        return {}
    rows = session.execute(select(Event.case_id, func.max(Event.at)).where(Event.case_id.in_(case_ids))
                           .group_by(Event.case_id))
    return {case_id: at for case_id, at in rows if case_id is not None and at is not None}


def _view(case: Case, service: Service | None, titles: dict[str, str], updated: datetime | None) -> dict[str, Any]:
    office_title = titles.get(case.office or "")
    public = (case.data or {}).get("open311") if case.channel == "app" else None
    public = public if isinstance(public, dict) else {}
    closed = case.status != "open"
    return {
        "service_request_id": case.business_key,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(case, office_title),
        "service_name": service.name if service is not None else case.category,
        "service_code": case.category,
        "description": Routine.text(case.data, case_routine(case).description_field) if public else None,
        "agency_responsible": office_title,
        "service_notice": service_notice(case, office_title),
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(case.closed_at if closed and case.closed_at else updated or case.created_at),
        "expected_datetime": w3c(case.due_at),
        "address": public.get("address_string"),
        "address_id": public.get("address_id"),
        "zipcode": None,
        "lat": public.get("lat"),
        "long": public.get("long"),
        "media_url": public.get("media_url"),
    }


def _status_notes(case: Case, office_title: str | None) -> str | None:
    if case.status == "cancelled":
        return "Cancelled."
    if case.status == "closed":
        return "Resolved." if case.answered_at is not None else "Closed."
    return f"In progress at {office_title}." if office_title else "Received."
