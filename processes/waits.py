"""What a case waits on (messages, signals, timers), and where it is stuck: kept with the case state.

The engine reports both with every snapshot (engine.Snapshot.waiting / .stuck); this module keeps
them in `Case.waiting` / `Case.stuck` for the case page and `case show`, and the deliverable ones
(messages and signals) in the `case_waits` index that correlates a signal to its cases.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import Snapshot

from .models import DELIVERABLE_KINDS, UNFIRED_TIMER_STATES, Case, CaseWait, ProcessVersion, Timer

NAME_LENGTH = 200  # CaseWait.name: longer names are indexed by their first 200 characters


def note_waits(session: Session, case: Case, snapshot: Snapshot, *, new_case: bool) -> None:
    """Copy what `snapshot` waits on onto `case`; rewrite its index rows only when that changed."""
    stuck = list(snapshot.stuck) or None
    if case.stuck != stuck:
        case.stuck = stuck
    waiting = [_wait(w.element_id, w.kind, w.name, w.correlations) for w in snapshot.waiting]
    if (case.waiting or []) == waiting:
        return  # most steps: a person's task follows a person's task, nothing to write
    previous = case.waiting or []
    case.waiting = waiting or None
    if _deliverable(previous) == _deliverable(waiting):
        return
    if not new_case and _deliverable(previous):
        session.execute(delete(CaseWait).where(CaseWait.case_id == case.id))
    version_id = case.version.id  # not case.version_id: a migrated case has a new version before the flush
    session.add_all(CaseWait(case_id=case.id, kind=w["kind"], name=w["name"][:NAME_LENGTH],
                             element_id=w["element_id"], correlation=correlation, version_id=version_id)
                    for w in _deliverable(waiting) for correlation in _fingerprints(w))


def _wait(element_id: str, kind: str, name: str, correlations: Sequence[tuple[str, str]]) -> dict[str, Any]:
    wait: dict[str, Any] = {"element_id": element_id, "kind": kind, "name": name}
    if correlations:  # only messages with BPMN correlation: the other waits keep their short form
        wait["correlations"] = [list(pair) for pair in correlations]
    return wait


def _fingerprints(wait: dict[str, Any]) -> list[str | None]:
    """A row per correlation key of a message with BPMN correlation, else one row without."""
    return [fingerprint(str(key), str(values)) for key, values in wait.get("correlations", [])] or [None]


def fingerprint(key: str, values: str) -> str:
    """What case_waits.correlation holds for correlation `key` with `values` (the engine's canonical
    JSON): fixed-length, so any value is indexed whole."""
    return hashlib.sha256(f"{key}\n{values}".encode()).hexdigest()


def forget_waits(session: Session, case: Case) -> None:
    """A case that stopped (cancelled) waits on nothing any more."""
    if case.waiting:
        session.execute(delete(CaseWait).where(CaseWait.case_id == case.id))
    case.waiting = None
    case.stuck = None


def waits_for(case: Case, kind: str, name: str) -> list[str]:
    """The element ids of `case` that wait for the `kind` (message or signal) called `name`."""
    return [w["element_id"] for w in case.waiting or [] if w["kind"] == kind and w["name"] == name]


def cases_waiting_for(session: Session, kind: str, name: str, *, after: int = 0, limit: int = 100) -> list[int]:
    """The ids of the open cases waiting for the `kind` called `name`: the first `limit` after id `after`."""
    query = (select(CaseWait.case_id).join(Case, Case.id == CaseWait.case_id)
             .where(CaseWait.kind == kind, CaseWait.name == name[:NAME_LENGTH], Case.status == "open",
                    CaseWait.case_id > after)
             .distinct().order_by(CaseWait.case_id).limit(limit))
    return list(session.scalars(query))


def cases_correlated(session: Session, name: str, correlations: Iterable[tuple[str, str]]) -> list[int]:
    """The ids of the open cases waiting for message `name` with any of these correlation values."""
    prints = sorted({fingerprint(key, values) for key, values in correlations})
    if not prints:
        return []
    query = (select(CaseWait.case_id).join(Case, Case.id == CaseWait.case_id)
             .where(CaseWait.correlation.in_(prints), CaseWait.kind == "message",
                    CaseWait.name == name[:NAME_LENGTH], Case.status == "open")
             .distinct().order_by(CaseWait.case_id))
    return list(session.scalars(query))


def correlated_versions(session: Session, name: str) -> list[int]:
    """The process versions of the open cases waiting for message `name` with BPMN correlation: the
    ones whose definition of the message says how to read a payload's correlation values."""
    waits = (select(CaseWait.id).where(CaseWait.kind == "message", CaseWait.name == name[:NAME_LENGTH],
                                       CaseWait.version_id == ProcessVersion.id, CaseWait.correlation.is_not(None))
             .exists())
    # A probe of the index per version (there are few), not a pass over every case waiting for the message.
    return list(session.scalars(select(ProcessVersion.id).where(waits).order_by(ProcessVersion.id)))


def describe_waits(session: Session, case: Case) -> list[dict[str, Any]]:
    """What the case waits on: element_id, kind, name, for timers due_at (a datetime, else None) and, for a
    message with BPMN correlation, the values it must carry (correlation)."""
    waiting = case.waiting or []
    due: dict[str, Any] = {}
    if any(w["kind"] == "timer" for w in waiting):
        timers = session.scalars(select(Timer).where(Timer.case_id == case.id,
                                                     Timer.state.in_(UNFIRED_TIMER_STATES)).order_by(Timer.due_at))
        for timer in timers:
            due.setdefault(timer.element_id, timer.due_at)
    return [{"element_id": w["element_id"], "kind": w["kind"], "name": w["name"],
             "due_at": due.get(w["element_id"]), **_correlation(w)}
            for w in waiting]


def _correlation(wait: dict[str, Any]) -> dict[str, Any]:
    """{"correlation": {property: value}} for a message with BPMN correlation: what it must carry."""
    values: dict[str, Any] = {}
    for _, props in wait.get("correlations", []):
        values.update(json.loads(props))
    return {"correlation": values} if values else {}


def _deliverable(waiting: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    return [w for w in waiting if w["kind"] in DELIVERABLE_KINDS]
