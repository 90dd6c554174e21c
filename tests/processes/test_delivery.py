"""Messages and signals on a real database: what a case waits on is kept with its state, a message
reaches the case waiting for it (by id or business key) and nothing else, and a stuck case says where."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import cancel_case, case_dict, start_case
from processes.delivery import broadcast_signal, send_message, send_signal
from processes.errors import InvalidFormData, NotFound, NotWaitingFor, PermissionDenied
from processes.eventlog import export
from processes.heatmap import heatmap
from processes.metrics_filters import Filters
from processes.models import Case, CaseWait, Event, User
from processes.tasks import complete_task
from processes.unit import Database
from tests.waiting_cases import deploy_waiting_processes, open_tasks, waiting_for_reply


@pytest.fixture(autouse=True)
def processes(session: Session, people: dict[str, User]) -> None:
    deploy_waiting_processes(session, people["admin"])


def events_of(session: Session, case: Case, kind: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == kind).order_by(Event.id)))


def index_rows(session: Session, case: Case) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(CaseWait).where(CaseWait.case_id == case.id))
    return [(w.kind, w.name, w.element_id) for w in rows]


def test_a_case_waiting_for_a_message_keeps_what_it_waits_for_and_its_data(
    session: Session, people: dict[str, User]
) -> None:
    case = waiting_for_reply(session, people)
    assert open_tasks(session, case) == []
    assert case.waiting == [{"element_id": "wait_reply", "kind": "message", "name": "citizen_reply"}]
    assert case.stuck is None
    assert index_rows(session, case) == [("message", "citizen_reply", "wait_reply")]
    shown = case_dict(session, case)
    assert shown["waiting"] == [{"element_id": "wait_reply", "kind": "message", "name": "citizen_reply",
                                 "due_at": None}]
    assert shown["stuck"] == []
    assert shown["data"]["topic"] == "bins"  # not {}: a waiting case shows what it has


def test_a_message_by_business_key_moves_the_case_and_joins_its_data(
    session: Session, people: dict[str, User]
) -> None:
    case = waiting_for_reply(session, people)
    before = case.lock_version
    send_message(session, people["csu"], case.business_key or "", "citizen_reply", {"reply": "Tuesday is fine"})
    session.commit()
    assert [t.element_id for t in open_tasks(session, case)] == ["review"]
    # The message definition names the variable its payload lands in (spiffworkflow:messageVariable).
    assert case.data["citizen_reply"] == {"reply": "Tuesday is fine"} and case.data["topic"] == "bins"
    assert case.waiting is None and index_rows(session, case) == []
    assert case.lock_version > before
    [received] = events_of(session, case, "message_received")
    assert (received.element_id, received.actor_id) == ("wait_reply", people["csu"].id)
    assert received.details == {"name": "citizen_reply", "fields": ["reply"]}
    assert "wait_reply" in [e.element_id for e in events_of(session, case, "element_completed")]


def test_a_message_the_case_does_not_wait_for_changes_nothing(session: Session, people: dict[str, User]) -> None:
    case = waiting_for_reply(session, people)
    state, version = case.state, case.lock_version
    with pytest.raises(NotWaitingFor, match="not waiting for message 'payment' .*citizen_reply"):
        send_message(session, people["csu"], case.id, "payment", {})
    with pytest.raises(NotWaitingFor, match="signal 'citizen_reply'"):
        send_signal(session, people["csu"], case.id, "citizen_reply", {})
    session.rollback()
    session.refresh(case)
    assert (case.state, case.lock_version) == (state, version)
    assert events_of(session, case, "message_received") == []


def test_a_closed_or_cancelled_case_waits_for_nothing(session: Session, people: dict[str, User]) -> None:
    case = waiting_for_reply(session, people)
    cancel_case(session, people["admin"], case.id, "duplicate")
    assert case.waiting is None and index_rows(session, case) == []
    with pytest.raises(NotWaitingFor):
        send_message(session, people["csu"], case.id, "citizen_reply", {})


@pytest.mark.parametrize(("who", "allowed"), [("csu", True), ("admin", True), ("officer", False),
                                              ("waste_officer", False)])
def test_who_may_deliver_a_message(session: Session, people: dict[str, User], who: str, allowed: bool) -> None:
    case = waiting_for_reply(session, people)
    if allowed:
        send_message(session, people[who], case.id, "citizen_reply", {})
        assert [t.element_id for t in open_tasks(session, case)] == ["review"]
    else:
        with pytest.raises(PermissionDenied):
            send_message(session, people[who], case.id, "citizen_reply", {})


def test_officers_of_the_case_office_may_deliver(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "message_wait", {"office": "waste"})
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    with pytest.raises(PermissionDenied):
        send_message(session, people["officer"], case.id, "citizen_reply", {})
    send_message(session, people["waste_officer"], case.id, "citizen_reply", {})


@pytest.mark.parametrize(("name", "data", "field"), [
    ("", {}, "name"), ("x" * 201, {}, "name"), ("citizen\x00reply", {}, "name"), ("citizen_reply", [1], "data"),
("citizen_reply", {"blob": "b" * 70_000}, "data"),
    ("citizen_reply", {"reply": ["a\x00"]}, "data"), ("citizen_reply", {"k\x00": 1}, "data"),
])
def test_bad_names_and_payloads_are_refused(session: Session, people: dict[str, User], name: str, data: object,
                                            field: str) -> None:
    case = waiting_for_reply(session, people)
    with pytest.raises(InvalidFormData) as caught:
        send_message(session, people["csu"], case.id, name, data)  # type: ignore[arg-type]
    assert list(caught.value.errors) == [field]


def test_an_unknown_case_is_not_found(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(NotFound, match="case CR-1999-000001 not found"):
        send_message(session, people["csu"], "CR-1999-000001", "citizen_reply", {})
    with pytest.raises(NotFound):
        send_message(session, people["csu"], 999_999, "citizen_reply", {})


def test_a_signal_broadcast_reaches_every_waiting_case_and_only_those(
    session: Session, people: dict[str, User]
) -> None:
    first, second = (start_case(session, people["csu"], "parallel_signal", {}) for _ in range(2))
    other = waiting_for_reply(session, people)
    session.commit()
    assert index_rows(session, first) == [("signal", "storm_over", "wait_storm")]
    with pytest.raises(PermissionDenied):
        broadcast_signal(session, people["csu"], "storm_over", {})
    result = broadcast_signal(session, people["admin"], "storm_over", {"calm": True})
    session.commit()
    assert result.delivered == [first.id, second.id] and result.failed == {}
    for case in (first, second):
        assert case.waiting is None
        assert [t.element_id for t in open_tasks(session, case)] == ["left", "right"]
        assert len(events_of(session, case, "signal_received")) == 1
    assert other.waiting and events_of(session, other, "signal_received") == []
    assert broadcast_signal(session, None, "storm_over", {}).delivered == []


def test_a_broadcast_goes_batch_by_batch(session: Session, people: dict[str, User]) -> None:
    ids = [start_case(session, people["csu"], "parallel_signal", {}).id for _ in range(3)]
    session.commit()
    first = broadcast_signal(session, None, "storm_over", {}, limit=2)
    assert (first.delivered, first.next_after) == (ids[:2], ids[1])
    session.commit()
    second = broadcast_signal(session, None, "storm_over", {}, after=ids[1], limit=2)
    assert (second.delivered, second.next_after) == (ids[2:], None)


def test_a_case_that_can_neither_move_nor_wait_is_stuck(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "stuck_join", {"topic": "bins"})
    assert case.stuck is None
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    session.commit()
    assert case.status == "open" and open_tasks(session, case) == [] and case.waiting is None
    assert case.stuck == ["join"]
    shown = case_dict(session, case)
    assert shown["stuck"] == ["join"] and shown["data"]["topic"] == "bins"


def test_steps_inside_a_sub_process_reach_the_event_log(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "subprocess_boundary", {})
    steps = [e.element_id for e in events_of(session, case, "element_completed")]
    assert {"start", "inner_start", "inner_script"} <= set(steps)
    assert [t.element_id for t in open_tasks(session, case)] == ["inner_task"]
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    waits = {(w["kind"], w["element_id"]) for w in case_dict(session, case)["waiting"]}
    assert waits == {("message", "on_withdrawn"), ("timer", "inner_pause")}
    timer = next(w for w in case_dict(session, case)["waiting"] if w["kind"] == "timer")
    assert timer["due_at"] is not None
    send_message(session, people["csu"], case.id, "withdrawn", {"why": "moved away"})
    assert [t.element_id for t in open_tasks(session, case)] == ["handle_withdrawal"]
    assert case.waiting is None
    assert "inner_task" in [e.element_id for e in events_of(session, case, "element_completed")]


def test_sub_process_steps_reach_the_heatmap_and_the_xes_log(session: Session, people: dict[str, User]) -> None:
    case = start_case(session, people["csu"], "subprocess_boundary", {})
    complete_task(session, people["csu"], open_tasks(session, case)[0].id, {})
    session.commit()
    today = case.created_at.date()
    heat = heatmap(session, people["admin"], "subprocess_boundary", None, Filters(start=today, end=today))
    assert heat.counts["inner_script"] == 1 and heat.counts["inner_task"] == 1
    xes = "".join(export(session, people["admin"], Filters(), "xes"))
    assert "Inner script" in xes and "Inner task" in xes


@pytest.mark.postgres
@pytest.mark.parametrize("migrated_url", ["postgresql"], indirect=True)
def test_the_same_message_delivered_twice_at_once_moves_the_case_once(
    db: Database, session: Session, people: dict[str, User]
) -> None:
    case = waiting_for_reply(session, people)
    outcome: list[str] = []

    def second() -> None:
        try:
            db.run(lambda s: send_message(s, None, case.id, "citizen_reply", {"n": 2}))
            outcome.append("delivered")
        except NotWaitingFor as err:
            outcome.append(str(err))

    with db.sessions() as first:
        send_message(first, None, case.id, "citizen_reply", {"n": 1})  # holds the case row's lock
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive(), "the second delivery waits for the first one's lock"
        first.commit()
    racer.join(timeout=30)
    assert outcome == [f"case {case.business_key} is not waiting for message 'citizen_reply'"]
    session.expire_all()
    assert len(events_of(session, case, "message_received")) == 1
    assert [t.element_id for t in open_tasks(session, case)] == ["review"]
