"""The event log export: pm4py reads the XES and the CSV back with every case and every event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pm4py
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.errors import PermissionDenied
from processes.eventlog import LogEvent, activity, csv_chunks, export, log_events, xes_chunks
from processes.metrics_filters import Filters
from processes.models import Case, Event, User
from tests.processes.march_cases import MARCH, build_march


@pytest.fixture
def march(session: Session, people: dict[str, User], deployed: None) -> dict[str, Case]:
    return build_march(session, people)


def logged(session: Session) -> tuple[int, int]:
    """(cases, events of a case) in the database."""
    events = session.scalar(select(func.count()).select_from(Event).where(Event.case_id.is_not(None)))
    return session.scalar(select(func.count()).select_from(Case)) or 0, events or 0


def test_xes_export_reads_back_in_pm4py(tmp_path: Path, session: Session, march: dict[str, Case]) -> None:
    path = tmp_path / "log.xes"
    path.write_text("".join(export(session, None, Filters(), "xes")), encoding="utf-8")

    log = pm4py.read_xes(str(path))

    cases, events = logged(session)
    assert (log["case:concept:name"].nunique(), len(log)) == (cases, events)
    answered = log[log["case:concept:name"] == str(march["answered"].id)]
    first = ["case_started", "Request received", "Open case", "task_created:intake"]
    assert list(answered["concept:name"])[:4] == first
    assert "Handle request" in set(answered["concept:name"])
    claimed = answered[answered["concept:name"] == "task_claimed:handle_request"]
    assert (list(claimed["org:resource"]), list(claimed["office"])) == (["officer"], ["streets_parks"])
    assert answered["time:timestamp"].is_monotonic_increasing


def test_csv_export_reads_back_with_pm4py_format_dataframe(tmp_path: Path, session: Session,
                                                          march: dict[str, Case]) -> None:
    path = tmp_path / "log.csv"
    path.write_text("".join(export(session, None, Filters(), "csv")), encoding="utf-8")

    frame = pm4py.format_dataframe(pd.read_csv(path), case_id="case_id", activity_key="activity",
                                   timestamp_key="timestamp")

    cases, events = logged(session)
    assert (frame["case:concept:name"].nunique(), len(frame)) == (cases, events)
    assert {"resource", "office", "kind", "element_id"} <= set(frame.columns)


def test_export_keeps_to_the_period_and_the_managers_offices(session: Session, people: dict[str, User],
                                                            march: dict[str, Case]) -> None:
    everything = {e.case_id for e in log_events(session, people["admin"], Filters())}
    in_march = {e.case_id for e in log_events(session, people["admin"], MARCH)}
    mine = {e.case_id for e in log_events(session, people["manager"], MARCH)}

    assert march["january"].id in everything - in_march
    assert mine == {march["answered"].id, march["waiting"].id}  # the requests now with streets_parks
    with pytest.raises(PermissionDenied):
        log_events(session, people["officer"], MARCH)


def test_writers_yield_a_chunk_every_few_hundred_events() -> None:
    moment = datetime(2036, 3, 3, 8, tzinfo=UTC)
    events = [LogEvent(i // 10, f"CR-{i // 10}", "Intake", moment, "csu", "csu", "element_completed", "intake")
              for i in range(1200)]

    assert len(list(csv_chunks(iter(events)))) == 3  # rows 1-500, 501-1000, the rest
    chunks = list(xes_chunks(iter(events)))
    assert len(chunks) == 4 and chunks[0].startswith("<?xml") and chunks[-1].endswith("</log>\n")
    assert "".join(chunks).count("<trace>") == 120


def test_the_log_is_read_lazily(session: Session, march: dict[str, Case]) -> None:
    events = log_events(session, None, Filters())

    assert isinstance(events, Iterator)
    assert next(events).activity == "case_started"


def test_activity_is_the_element_name_or_the_kind() -> None:
    assert activity("element_completed", "route", {"name": "Route request", "type": "BusinessRuleTask"}) == \
        "Route request"
    assert activity("task_claimed", "intake", None) == "task_claimed:intake"
    assert activity("case_closed", None, None) == "case_closed"
