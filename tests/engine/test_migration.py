"""Moving running cases between versions: restored against the target spec, then run on."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine import Engine, ProcessBundle, Snapshot, load_bundle, migrate_state, plan_migration
from tests.story_edits import INTAKE, routine_files, story_files

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
SERVICES: dict[str, Any] = {"compute_due_date": lambda call: "2030-01-02T09:00:00+00:00",
                            "notify_citizen": lambda call: {"queued": True}}


def routine(*steps: str, key: str = "p") -> ProcessBundle:
    return load_bundle(routine_files(*steps, key=key))


def waiting_at(bundle: ProcessBundle, *done: str) -> Snapshot:
    engine = Engine()
    snapshot = engine.start(bundle, {})
    for element_id in done:
        task = next(t for t in snapshot.ready_tasks if t.element_id == element_id)
        snapshot = engine.complete_task(bundle, snapshot.state, task.id, {f"{element_id}_done": True})
    return snapshot


def complete(bundle: ProcessBundle, snapshot: Snapshot, element_id: str, data: dict[str, Any]) -> Snapshot:
    state = json.loads(json.dumps(snapshot.state))
    task = next(t for t in snapshot.ready_tasks if t.element_id == element_id)
    return Engine().complete_task(bundle, state, task.id, data, SERVICES)


def test_a_case_moves_to_a_version_with_a_new_step_and_takes_it() -> None:
    v1, v2 = routine("check", "decide"), routine("check", "review", "decide")
    case = waiting_at(v1)

    plan, moved = migrate_state(Engine(), v1, v2, case.state)

    assert plan.possible and moved is not None
    assert [(m.element_id, m.target_element_id) for m in plan.moves] == [("check", "check")]
    assert moved.ready_tasks[0].id == case.ready_tasks[0].id
    after = complete(v2, moved, "check", {})
    assert [t.element_id for t in after.ready_tasks] == ["review"]


def test_a_case_whose_waiting_task_is_gone_cannot_move_and_says_why() -> None:
    v1, v2 = routine("check", "decide"), routine("check")
    case = waiting_at(v1, "check")

    plan = plan_migration(v1, v2, case.state)
    again, moved = migrate_state(Engine(), v1, v2, case.state)

    assert plan.problems == again.problems == [
        "the waiting task 'Decide' (decide) has no counterpart in the target version"]
    assert moved is None and not plan.moves[0].possible


def test_history_the_target_lacks_does_not_stop_a_move() -> None:
    v1 = routine("check", "decide")
    v2 = load_bundle({"p.bpmn": routine("check", "decide").files["p.bpmn"].replace("log_decide", "note_decide")})
    case = waiting_at(v1, "check")

    plan, moved = migrate_state(Engine(), v1, v2, case.state)

    assert plan.possible and moved is not None
    assert moved.data["check_done"] is True
    assert complete(v2, moved, "decide", {}).completed


def test_moving_back_works_the_same_way() -> None:
    v1, v2 = routine("check", "decide"), routine("check", "review", "decide")
    on_v2 = complete(v2, waiting_at(v2), "check", {})

    plan, moved = migrate_state(Engine(), v2, v1, on_v2.state)

    assert not plan.possible and moved is None  # 'review' is not in version 1
    on_v2_at_check = waiting_at(v2)
    plan, moved = migrate_state(Engine(), v2, v1, on_v2_at_check.state)
    assert plan.possible and moved is not None
    assert [t.element_id for t in complete(v1, moved, "check", {}).ready_tasks] == ["decide"]


def citizen_request(files: dict[str, str]) -> ProcessBundle:
    return load_bundle(files, key="citizen_request")


def test_a_citizen_request_at_the_office_moves_to_the_story_version_and_keeps_its_deadline() -> None:
    files = {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}
    v1, v2 = citizen_request(files), citizen_request(story_files(files))
    engine = Engine()
    case = engine.start(v1, {}, SERVICES)
    case = complete(v1, case, "intake", {**INTAKE, "category": "pothole"})
    assert [t.element_id for t in case.ready_tasks] == ["handle_request"]

    plan, moved = migrate_state(engine, v1, v2, case.state, SERVICES)

    assert plan.possible and moved is not None
    assert {(m.element_id, m.waiting_for) for m in plan.moves} == {("handle_request", "person"),
                                                                    ("deadline_passed", "event")}
    assert moved.timers[0].due_at == datetime(2030, 1, 2, 9, tzinfo=UTC)
    assert moved.ready_tasks[0].id == case.ready_tasks[0].id and moved.data["office"] == "streets_parks"
    overdue = engine.fire_timers(v2, moved.state, [moved.timers[0].task_id], SERVICES)
    assert sorted(t.element_id for t in overdue.ready_tasks) == ["follow_up_overdue", "handle_request"]
    resolved = complete(v2, overdue, "handle_request", {"outcome": "resolved", "answer": "Fixed", "reference": "R1"})
    assert [t.element_id for t in resolved.ready_tasks] == ["follow_up_overdue"]


def test_a_case_moved_to_a_version_with_a_new_data_object_can_read_it() -> None:
    files = {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}
    shipped = load_bundle(files, key="citizen_request")
    data_objects = (r"<bpmn:dataObject(Reference)? [^>]*/>|<bpmn:(dataObject(?:Reference)?) [^>]*[^/]>.*?</bpmn:\2>"
                    r"|<bpmn:dataOutputAssociation .*?</bpmn:dataOutputAssociation>")
    without = re.sub(data_objects, "", files["citizen_request.bpmn"], flags=re.DOTALL)
    older = load_bundle({**files, "citizen_request.bpmn": without}, key="citizen_request")
    assert not older.spec.data_objects and shipped.spec.data_objects
    case = complete(older, Engine().start(older, {}), "intake", {**INTAKE, "category": "pothole"})

    plan, moved = migrate_state(Engine(), older, shipped, case.state)

    assert plan.possible and moved is not None
    overdue = datetime(2030, 1, 3, tzinfo=UTC)
    fired = Engine().fire_timers(shipped, moved.state, [t.task_id for t in moved.timers], SERVICES, now=overdue)
    assert sorted(t.element_id for t in fired.ready_tasks) == ["follow_up_overdue", "handle_request"]


def test_an_escalated_case_lists_only_elements_people_know_and_names_the_element_of_a_lost_boundary_event() -> None:
    files = {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}
    v1 = citizen_request(files)
    engine = Engine()
    case = engine.start(v1, {}, SERVICES)
    case = complete(v1, case, "intake", {**INTAKE, "category": "pothole"})
    case = engine.fire_timers(v1, case.state, [case.timers[0].task_id], SERVICES)
    assert sorted(t.element_id for t in case.ready_tasks) == ["follow_up_overdue", "handle_request"]

    plan = plan_migration(v1, v1, case.state)
    assert plan.possible
    assert sorted(m.element_id for m in plan.moves) == ["follow_up_overdue", "handle_request"]

    without_timer = dict(files)
    bpmn = without_timer["citizen_request.bpmn"]
    without_timer["citizen_request.bpmn"] = re.sub(r'<bpmn:boundaryEvent id="deadline_passed".*?</bpmn:boundaryEvent>',
                                                  "", bpmn, flags=re.S)
    assert without_timer["citizen_request.bpmn"] != bpmn
    plan = plan_migration(v1, citizen_request(without_timer), case.state)
    assert not plan.possible
    assert any("'Handle request' (handle_request)" in problem for problem in plan.problems), plan.problems
    assert all("BoundaryEvent" not in problem for problem in plan.problems), plan.problems
