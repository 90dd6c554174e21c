"""The event log for process mining, as XES (IEEE 1849) or CSV, streamed a few rows at a time.

One trace per case (concept:name = the case id), its events in time order. The activity is
  - the BPMN element's name for `element_completed` ("Handle request", "Route request"), and
  - the event kind otherwise, with the element id after a colon when the event concerns one
    ("task_claimed:handle_request", "handed_over:handle_request", "case_closed"),
so that claiming the intake and claiming the office task stay different activities.
org:resource is the acting user's login (absent for the system); `office` is the event's office.
Events that belong to no case (deployments, knowledge-base votes) are not exported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .metrics_filters import Filters, case_conditions, scoped, visible_offices
from .models import Case, Event, User

BATCH = 2000
CSV_COLUMNS = ("case_id", "case_ref", "activity", "timestamp", "resource", "office", "kind", "element_id")


@dataclass(frozen=True)
class LogEvent:
    case_id: int
    case_ref: str
    activity: str
    at: datetime
    resource: str | None
    office: str | None
    kind: str
    element_id: str | None


def activity(kind: str, element_id: str | None, details: dict[str, object] | None) -> str:
    """The activity name of an event (see the module docstring)."""
    if kind == "element_completed":
        name = (details or {}).get("name")
        return str(name or element_id or kind)
    return f"{kind}:{element_id}" if element_id else kind


def log_events(session: Session, actor: User | None, filters: Filters) -> Iterator[LogEvent]:
    """The events of the filtered cases, by case and time, fetched in batches (a server-side cursor
    on PostgreSQL): memory stays flat however long the log is. Managers get their offices' cases.

    Permissions are checked here, before the first row is asked for."""
    offices = scoped(filters, visible_offices(session, actor))
    query = (
        select(Event.case_id, Case.business_key, Event.kind, Event.element_id, Event.details, Event.at,
               User.username, Event.office)
        .join(Case, Case.id == Event.case_id)
        .outerjoin(User, User.id == Event.actor_id)
        .where(*case_conditions(filters, offices))
        .order_by(Event.case_id, Event.at, Event.id)
        .execution_options(yield_per=BATCH)
    )
    return _rows(session, query)


def _rows(session: Session, query: Select[Any]) -> Iterator[LogEvent]:
    for case_id, ref, kind, element_id, details, at, username, office in session.execute(query):
        yield LogEvent(case_id, ref or str(case_id), activity(kind, element_id, details), at, username, office,
                       kind, element_id)


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as XES and pandas both read it."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def csv_chunks(events: Iterable[LogEvent]) -> Iterator[str]:
    """CSV text (header first), a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for n, e in enumerate(events, 1):
        writer.writerow((e.case_id, e.case_ref, e.activity, timestamp(e.at), e.resource or "", e.office or "",
                         e.kind, e.element_id or ""))
        if n % 500 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="OneStop event log"/>
"""


def xes_chunks(events: Iterable[LogEvent]) -> Iterator[str]:
    """XES text: the log header, then one <trace> per case as its events arrive."""
    yield XES_HEAD
    buffer = io.StringIO()
    current: int | None = None
    for n, e in enumerate(events, 1):
        if e.case_id != current:
            if current is not None:
                buffer.write("  </trace>\n")
            current = e.case_id
            buffer.write(f'  <trace>\n    <string key="concept:name" value="{e.case_id}"/>\n'
                         f'    <string key="ref" value={quoteattr(e.case_ref)}/>\n')
        buffer.write(_xes_event(e))
        if n % 500 == 0:
            yield _drain(buffer)
    if current is not None:
        buffer.write("  </trace>\n")
    buffer.write("</log>\n")
    yield _drain(buffer)


def _xes_event(e: LogEvent) -> str:
    lines = [f"      <string key=\"concept:name\" value={quoteattr(e.activity)}/>",
             f"      <date key=\"time:timestamp\" value=\"{timestamp(e.at)}\"/>"]
    if e.resource:
        lines.append(f"      <string key=\"org:resource\" value={quoteattr(e.resource)}/>")
    if e.office:
        lines.append(f"      <string key=\"office\" value={quoteattr(e.office)}/>")
    lines.append(f"      <string key=\"kind\" value={quoteattr(e.kind)}/>")
    return "    <event>\n" + "\n".join(lines) + "\n    </event>\n"


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def export(session: Session, actor: User | None, filters: Filters, fmt: str) -> Iterator[str]:
    """The filtered event log in `fmt` ('xes' or 'csv') as text chunks."""
    if fmt not in ("xes", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use xes or csv")
    events = log_events(session, actor, filters)
    return xes_chunks(events) if fmt == "xes" else csv_chunks(events)
