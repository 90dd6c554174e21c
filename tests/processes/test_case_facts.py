"""The columns the dashboard reads instead of the event log (processes/case_facts.py, the projection
and the task operations) hold what the log says, for requests run through the real operations."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.models import Case, Event, Task, User
from processes.tasks import assign_task, claim_task, complete_task, unclaim_task
from tests.processes.march_cases import at, build_march, open_task, take_in

MOVES = ("handed_over", "returned_to_csu", "rerouted", "escalated")
PICKUPS = ("task_claimed", "task_assigned", "task_completed")


@pytest.fixture
def march(session: Session, people: dict[str, User], deployed: None) -> dict[str, Case]:
    return build_march(session, people)


def tasks_of(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id)))


def test_intake_answers_are_kept_on_the_case(session: Session, march: dict[str, Case]) -> None:
    facts = {name: (c.resolved_on_first_contact, c.kb_article) for name, c in march.items()}

    assert facts["fcr"] == (True, "Potholes")
    assert facts["answered"] == (False, "Potholes")
    assert facts["late"] == facts["waiting"] == (False, None)
    assert facts["january"] == (True, None)


def test_the_first_resolved_answer_is_kept_on_the_case(session: Session, march: dict[str, Case]) -> None:
    answers = {name: (c.answered_at, c.answered_by) for name, c in march.items()}

    assert answers["answered"] == (at(3, 2), "streets_parks")
    assert answers["late"] == (at(7, 1), "waste")  # not when it went back for more information
    assert answers["rerouted"] == (at(3), "waste")  # the office that answered, not the misrouted one
    assert answers["waiting"] == answers["fcr"] == (None, None)


def test_each_task_names_the_move_that_created_it(session: Session, march: dict[str, Case]) -> None:
    moves = {name: [(t.element_id, t.arrived_as, t.arrived_from, t.group_name) for t in tasks_of(session, c)]
             for name, c in march.items()}

    assert moves["fcr"] == [("intake", None, None, "csu")]
    assert moves["late"] == [
        ("intake", None, None, "csu"),
        ("handle_request", "handed_over", "csu", "waste"),
        ("contact_citizen", "returned_to_csu", "waste", "csu"),
        ("handle_request", "handed_over", "csu", "waste"),
        ("follow_up_overdue", "escalated", None, "waste"),
    ]
    assert moves["rerouted"][1:] == [("handle_request", "handed_over", "csu", "streets_parks"),
                                     ("handle_request", "rerouted", "streets_parks", "waste")]
    assert all(t.received_at == c.created_at for c in march.values() for t in tasks_of(session, c))


def test_the_task_columns_agree_with_the_event_log(session: Session, march: dict[str, Case]) -> None:
    logged = list(session.scalars(select(Event).where(Event.kind.in_(MOVES + PICKUPS)).order_by(Event.id)))
    moves = {e.task_id: (e.kind, (e.details or {}).get("from")) for e in logged if e.kind in MOVES}
    first_pickup: dict[int | None, object] = {}
    for e in logged:
        if e.kind in PICKUPS:
            first_pickup.setdefault(e.task_id, e.at)
    tasks = list(session.scalars(select(Task)))

    assert {kind for kind, _ in moves.values()} == set(MOVES) and len(first_pickup) >= 8
    for task in tasks:
        assert (task.arrived_as, task.arrived_from) == moves.get(task.id, (None, None)), task
        assert task.picked_up_at == first_pickup.get(task.id), task


def test_the_first_pickup_counts(session: Session, people: dict[str, User], deployed: None) -> None:
    case = take_in(session, people["csu"], at(), "phone", "pothole")
    task = open_task(session, case, "handle_request")
    assert task.picked_up_at is None

    claim_task(session, people["officer"], task.id, now=at(hours=1))
    unclaim_task(session, people["officer"], task.id, now=at(hours=2))
    assign_task(session, people["manager"], task.id, people["officer2"], now=at(hours=3))
    complete_task(session, people["officer2"], task.id, {"outcome": "resolved", "answer": "Fixed."},
                  now=at(hours=4))

    assert task.picked_up_at == at(hours=1)
    assert (case.answered_at, case.answered_by) == (at(hours=4), "streets_parks")


def test_an_assignment_or_a_completion_is_a_pickup_too(session: Session, people: dict[str, User],
                                                       deployed: None) -> None:
    assigned = take_in(session, people["csu"], at(), "phone", "pothole")
    completed = take_in(session, people["csu"], at(), "web", "pothole")
    first = open_task(session, assigned, "handle_request")
    second = open_task(session, completed, "handle_request")

    assign_task(session, people["manager"], first.id, people["officer"], now=at(hours=2))
    complete_task(session, people["officer"], second.id, {"outcome": "need_info", "info_question": "Where?"},
                  now=at(hours=3))

    assert first.picked_up_at == at(hours=2)
    assert second.picked_up_at == at(hours=3)
    assert completed.answered_at is None  # asking for more information is no answer
    assert open_task(session, completed, "contact_citizen").received_at == completed.created_at
