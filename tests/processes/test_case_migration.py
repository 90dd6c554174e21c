"""Moving running cases between versions: dry run, one transaction per case, audit, admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes import case_migration, drafts, releases
from processes.cases import start_case
from processes.deployments import deploy_version
from processes.errors import Conflict, PermissionDenied
from processes.models import Case, Event, Task, User
from processes.tasks import complete_task, task_form
from processes.unit import Database
from processes.users import ensure_group
from tests.story_edits import INTAKE, routine_files, story_files


def open_task(session: Session, case_id: int) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()


@pytest.fixture
def old_case(session: Session, people: dict[str, User], deployed: None) -> int:
    """A pothole case waiting at the office on version 1, then the story deployed as version 2."""
    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    complete_task(session, people["csu"], open_task(session, case.id).id, {**INTAKE, "category": "pothole"})
    ensure_group(session, "environment", "Environment")
    draft = drafts.open_draft(session, people["admin"], "citizen_request")
    drafts.save_files(session, people["admin"], "citizen_request", story_files(draft.files))
    releases.deploy_draft(session, people["admin"], "citizen_request")
    session.commit()
    return case.id


def test_dry_run_says_where_each_task_lands_and_changes_nothing(
    session: Session, people: dict[str, User], old_case: int
) -> None:
    before = session.get(Case, old_case)
    assert before is not None
    state, lock = dict(before.state), before.lock_version

    [plan] = case_migration.plan_case_migration(session, people["admin"], "citizen_request", 1, 2)

    assert plan.possible and plan.case_id == old_case
    assert sorted((m.element_id, m.target_element_id) for m in plan.moves) == [
        ("deadline_passed", "deadline_passed"), ("handle_request", "handle_request")]
    session.expire_all()
    after = session.get(Case, old_case)
    assert after is not None and (after.version.version, after.state, after.lock_version) == (1, state, lock)


def test_a_moved_case_gets_the_new_form_and_runs_on(
    db: Database, session: Session, people: dict[str, User], old_case: int
) -> None:
    task_id = open_task(session, old_case).id

    [result] = case_migration.migrate_cases(db, people["admin"].id, "citizen_request", 1, 2)

    assert result.moved
    session.expire_all()
    case, task = session.get(Case, old_case), open_task(session, old_case)
    assert case is not None and case.version.version == 2 and task.id == task_id
    assert "reference" in [c.get("key") for c in task_form(session, task)["components"]]  # type: ignore[index]
    event = session.scalars(select(Event).where(Event.kind == "case_migrated")).one()
    assert (event.case_id, event.actor_id, event.details["from_version"], event.details["to_version"]) == (
        old_case, people["admin"].id, 1, 2)
    complete_task(session, people["officer"], task.id, {"outcome": "resolved", "answer": "Fixed", "reference": "R-1"})
    assert session.get(Case, old_case).status == "closed"  # type: ignore[union-attr]


def test_moving_back_gives_the_old_form_again(db: Database, session: Session, people: dict[str, User],
                                              old_case: int) -> None:
    case_migration.migrate_cases(db, people["admin"].id, "citizen_request", 1, 2)
    [result] = case_migration.migrate_cases(db, people["admin"].id, "citizen_request", 2, 1)

    assert result.moved
    session.expire_all()
    task = open_task(session, old_case)
    assert "reference" not in [c.get("key") for c in task_form(session, task)["components"]]  # type: ignore[index]


def test_a_case_that_cannot_move_is_reported_and_left_as_it_was(
    db: Database, session: Session, people: dict[str, User]
) -> None:
    deploy_version(session, people["admin"], routine_files("check", "decide"))
    at_check = start_case(session, people["csu"], "p", {})
    at_decide = start_case(session, people["csu"], "p", {})
    complete_task(session, people["csu"], open_task(session, at_decide.id).id, {})
    deploy_version(session, people["admin"], routine_files("check"))
    session.commit()
    lock = at_decide.lock_version

    results = {r.case_id: r for r in case_migration.migrate_cases(db, people["admin"].id, "p", 1, 2)}

    assert results[at_check.id].moved
    assert not results[at_decide.id].moved
    assert results[at_decide.id].problems == [
        "the waiting task 'Decide' (decide) has no counterpart in the target version"]
    session.expire_all()
    stuck = session.get(Case, at_decide.id)
    assert stuck is not None and (stuck.version.version, stuck.lock_version) == (1, lock)
    assert session.scalars(select(Event.case_id).where(Event.kind == "case_migrated")).all() == [at_check.id]


def test_only_admins_move_cases(db: Database, session: Session, people: dict[str, User], old_case: int) -> None:
    with pytest.raises(PermissionDenied):
        case_migration.plan_case_migration(session, people["manager"], "citizen_request", 1, 2)
    with pytest.raises(PermissionDenied):
        case_migration.migrate_cases(db, people["manager"].id, "citizen_request", 1, 2)
    with pytest.raises(Conflict):
        case_migration.plan_case_migration(session, people["admin"], "citizen_request", 2, 2)


def test_asking_for_a_case_of_another_version_reports_it(
    session: Session, people: dict[str, User], old_case: int
) -> None:
    plans = case_migration.plan_case_migration(session, people["admin"], "citizen_request", 2, 1, [old_case])
    assert [p.problems for p in plans] == [[f"case {old_case} is not an open case of version 2"]]
