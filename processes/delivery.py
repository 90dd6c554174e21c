"""Deliver BPMN messages and signals to the cases waiting for them (CLI, REST API, case page).

A message goes to one case, named by its id or its business key (CR-2026-000123), or found by the
BPMN correlation values its payload carries, or starts a case of the process that starts with it
(correlate_message); a signal goes to one case, or is broadcast to every open case waiting for it.
Who may deliver: processes.authz.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager
from sqlalchemy.orm.exc import StaleDataError

from engine import NotWaiting, ScriptError, start_messages

from . import events
from .authz import may_deliver, require
from .cases import start_case
from .db import savepoint, utcnow
from .errors import CaseStepFailed, InvalidFormData, NotCorrelated, NotFound, NotWaitingFor
from .json_values import json_value_problem
from .models import Case, ProcessFile, ProcessVersion, User
from .projection import apply_snapshot
from .runtime import bundle_for, engine
from .services import services_for
from .tasks import ConcurrentUpdate
from .texts import Text
from .waits import NAME_LENGTH, cases_correlated, cases_waiting_for, correlated_versions, waits_for

KINDS = ("message", "signal")
MAX_PAYLOAD_BYTES = 64 * 1024  # a message carries a few fields, not documents (those are attachments)


def send_message(session: Session, actor: User | None, case_ref: int | str, name: str,
                 data: Mapping[str, Any] | None = None, *, now: datetime | None = None) -> Case:
    """Deliver message `name` with `data` to the case (id or business key) waiting for it and run the
    case to its next wait; NotWaitingFor when it waits for no such message."""
    return _deliver(session, actor, find_case(session, case_ref, lock=True), "message", name, data, now)


def send_signal(session: Session, actor: User | None, case_ref: int | str, name: str,
                data: Mapping[str, Any] | None = None, *, now: datetime | None = None) -> Case:
    """Deliver signal `name` with `data` to one case (id or business key), like send_message."""
    return _deliver(session, actor, find_case(session, case_ref, lock=True), "signal", name, data, now)


@dataclass
class Correlated:
    """Where a message sent without a case went: the case it reached, or the case it started."""

    case: Case
    started: bool


def correlate_message(session: Session, actor: User | None, name: str, data: Mapping[str, Any] | None = None,
                      *, now: datetime | None = None) -> Correlated:
    """Deliver message `name` to the one open case whose BPMN correlation values (bpmn:correlationKey)
    `data` carries; when no case waits for it so, start a case of the deployed process that starts
    with that message. NotCorrelated when neither, or when several cases or processes would take it."""
    require(actor is None or actor.active, Text("inactive users cannot send messages"))  # before what was sent
    name, payload = check_delivery(name, data)
    carried: set[tuple[str, str]] = set()
    for version_id in correlated_versions(session, name):  # the processes whose cases wait for it, a few
        version = session.get(ProcessVersion, version_id)
        if version is not None:
            carried.update(engine().message_correlations(bundle_for(version), name, payload))
    case_ids = cases_correlated(session, name, carried)
    if len(case_ids) > 1:
        keys = session.scalars(select(Case.business_key).where(Case.id.in_(case_ids)).order_by(Case.id))
        raise NotCorrelated(Text("message '%(name)s' correlates to %(count)s cases (%(cases)s); send it to one of "
                                 "them by its case id or business key",
                                 name=name, count=len(case_ids), cases=', '.join(map(str, keys))))
    if case_ids:
        case = find_case(session, case_ids[0], lock=True)
        return Correlated(_deliver(session, actor, case, "message", name, payload, now), started=False)
    starters = [v.key for v in current_versions(session) if name in start_messages(bundle_for(v))]
    if len(starters) > 1:
        raise NotCorrelated(Text("no case waits for message '%(name)s' with these values, and %(count)s processes "
                                 "start with it (%(processes)s)",
                                 name=name, count=len(starters), processes=', '.join(starters)))
    if starters:
        return Correlated(start_case(session, actor, starters[0], payload, now=now, message=name), started=True)
    why = "with these correlation values" if carried else "that the payload correlates to (its process " \
          "defines no correlation for it, or the payload lacks the fields it is read from)"
    raise NotCorrelated(Text("no case waits for message '%(name)s' %(why)s, and no deployed process starts with it",
                             name=name, why=why))


def current_versions(session: Session) -> list[ProcessVersion]:
    """The current version of every deployed process that may start with a message (its files say so)."""
    newest = (select(ProcessVersion.key, func.max(ProcessVersion.version).label("version"))
              .where(ProcessVersion.status == "deployed").group_by(ProcessVersion.key).subquery())
    with_message = select(ProcessFile.version_id).where(ProcessFile.kind == "bpmn",
                                                         ProcessFile.content.contains("messageEventDefinition"))
    query = (select(ProcessVersion)
             .join(newest, (newest.c.key == ProcessVersion.key) & (newest.c.version == ProcessVersion.version))
             .where(ProcessVersion.id.in_(with_message)).order_by(ProcessVersion.key))
    return list(session.scalars(query))


BROADCAST_BATCH = 100  # cases per transaction: a storm warning to thousands of cases holds no long lock


@dataclass
class Broadcast:
    """What one batch of a broadcast signal did: the cases that caught it, those whose process failed,
    and the id to go on after (None when no case is left)."""

    delivered: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    next_after: int | None = None


def broadcast_signal(session: Session, actor: User | None, name: str, data: Mapping[str, Any] | None = None,
                     *, now: datetime | None = None, after: int = 0, limit: int = BROADCAST_BATCH) -> Broadcast:
    """Deliver signal `name` to the next `limit` open cases (by id, after `after`) waiting for it;
    administrators and the system only. Call again with `next_after` until it is None, a transaction each.

    Each case steps in a savepoint of its own: a case whose process fails stays as it was, with a
    `signal_failed` event, and the others still catch the signal."""
    require(actor is None or actor.has_role("admin"), Text("only administrators broadcast signals"))
    name, payload = check_delivery(name, data)
    now = now or utcnow()
    case_ids = cases_waiting_for(session, "signal", name, after=after, limit=limit + 1)
    result = Broadcast(next_after=case_ids[limit - 1] if len(case_ids) > limit else None)
    for case_id in case_ids[:limit]:
        case = find_case(session, case_id, lock=True)
        try:
            with savepoint(session):
                _deliver(session, actor, case, "signal", name, payload, now)
            result.delivered.append(case_id)
        except NotWaitingFor:
            continue  # moved on since the index was read
        except CaseStepFailed as err:
            result.failed[case_id] = str(err)
            events.record(session, "signal_failed", at=now, case=case, actor=actor, name=name,
                          failed_at=err.element_id, message=err.message)
    session.flush()
    return result


def find_case(session: Session, case_ref: int | str, *, lock: bool = False) -> Case:
    """The case with id `case_ref` (an int or digits) or business key `case_ref`, locked when `lock`."""
    ref = str(case_ref).strip()
    # An id past 2**31 - 1 is no row's (PostgreSQL's INTEGER would refuse the query): look it up as a key.
    is_id = ref.isascii() and ref.isdigit() and len(ref) <= 10 and int(ref) < 2**31
    where = Case.id == int(ref) if is_id else Case.business_key == ref
    query = select(Case).join(Case.version).options(contains_eager(Case.version)).where(where)
    if lock:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    case = session.scalars(query).first()
    if case is None:
        raise NotFound(Text("case %(ref)s not found", ref=ref))
    return case


def check_delivery(name: Any, data: Any) -> tuple[str, dict[str, Any]]:
    """The message or signal name and its payload, or InvalidFormData saying what is wrong with them."""
    errors: dict[str, str] = {}
    if not isinstance(name, str) or not name.strip():
        errors["name"] = Text("the name of the message or signal is required")
    elif len(name) > NAME_LENGTH:
        errors["name"] = Text("the name is longer than %(n)s characters", n=NAME_LENGTH)
    elif "\x00" in name:
        errors["name"] = Text("text may not contain NUL (0x00) characters")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        errors["data"] = Text("data must be a JSON object")
    elif (problem := json_value_problem(data)) is not None:  # it becomes case data: the same rule
        errors["data"] = problem
    elif len(json.dumps(data, default=str)) > MAX_PAYLOAD_BYTES:
        errors["data"] = Text("data is larger than %(kb)s KB", kb=MAX_PAYLOAD_BYTES // 1024)
    if errors:
        raise InvalidFormData(errors)
    return str(name).strip(), dict(data)




def _deliver(session: Session, actor: User | None, case: Case, kind: str, name: str,
             data: Mapping[str, Any] | None, now: datetime | None) -> Case:
    ref = case.business_key or str(case.id)
    require(may_deliver(session, actor, case), Text("you may not send messages or signals to case %(ref)s", ref=ref))
    name, payload = check_delivery(name, data)
    now = now or utcnow()
    waiting = [Text("message '%(name)s'", name=w["name"]) if w["kind"] == "message" else
               Text("signal '%(name)s'", name=w["name"]) for w in case.waiting or [] if w["kind"] in KINDS]
    if case.status != "open":
        raise NotWaitingFor(ref, kind, name, [])
    send = engine().send_message if kind == "message" else engine().send_signal
    catchers = waits_for(case, kind, name)
    try:
        with events.batch(session):
            try:
                snapshot = send(bundle_for(case.version), case.state, name, payload,
                                services_for(session, case, now), now=now)
            except NotWaiting as err:
                # The case waits for it, but for a message with other correlation values: say which.
                reason = str(err) if any(w.endswith(f" '{name}'") for w in waiting) else None
                raise NotWaitingFor(ref, kind, name, waiting, reason) from err
            except ScriptError as err:
                raise CaseStepFailed(err.element_id, err.message) from err
            events.record(session, f"{kind}_received", at=now, case=case, actor=actor,
                          element_id=catchers[0] if catchers else None, name=name, fields=sorted(payload))
            apply_snapshot(session, case, snapshot, actor=actor, now=now)
            session.flush()
    except StaleDataError as err:
        raise ConcurrentUpdate(Text("case %(ref)s was changed by someone else at the same time", ref=ref)) from err
    return case
