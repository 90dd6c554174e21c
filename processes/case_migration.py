"""Move running cases from one deployed version of a process to another (administrators).

A dry run lists, per case, where each waiting task lands or why the case cannot move. The real
run moves each case in its own transaction (`migrate_cases`), so one case that cannot move (or
fails on the way) changes nothing for itself and does not hold back the others.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import ReadyTask, ScriptError, TaskMove, migrate_state, plan_migration

from . import events
from .admin import require_admin
from .db import utcnow
from .errors import CaseStepFailed, Conflict, DomainError, NotFound
from .lanes import lane_rules, resolve_lane
from .models import Case, ProcessVersion, Task, User
from .projection import apply_snapshot
from .releases import find_version
from .routines import case_routine
from .runtime import bundle_for, engine
from .services import services_for
from .tasks import ConcurrentUpdate
from .texts import Text
from .unit import Database


@dataclass
class CasePlan:
    """One case: where its waiting tasks land, or why it cannot move."""

    case_id: int
    business_key: str | None
    moves: list[TaskMove] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    moved: bool = False

    @property
    def possible(self) -> bool:
        return not self.problems


def _versions(session: Session, key: str, source: int, target: int) -> tuple[ProcessVersion, ProcessVersion]:
    if source == target:
        raise Conflict(Text("the source and target versions are the same"))
    return find_version(session, key, source), find_version(session, key, target)


def _cases(session: Session, version: ProcessVersion, case_ids: Iterable[int] | None) -> list[Case]:
    query = select(Case).where(Case.version_id == version.id, Case.status == "open")
    if case_ids is not None:
        query = query.where(Case.id.in_(list(case_ids)))
    return list(session.scalars(query.order_by(Case.id)))


def plan_case_migration(session: Session, actor: User | None, key: str, source: int, target: int,
                        case_ids: Iterable[int] | None = None) -> list[CasePlan]:
    """Dry run over the open cases of version `source` (or the given ones): nothing is changed."""
    require_admin(actor)
    old, new = _versions(session, key, source, target)
    wanted = list(case_ids) if case_ids is not None else None
    cases = _cases(session, old, wanted)
    plans = []
    for case in cases:
        plan = plan_migration(bundle_for(old), bundle_for(new), case.state)
        plans.append(CasePlan(case.id, case.business_key, plan.moves, plan.problems))
    found = {c.id for c in cases}
    plans += [CasePlan(case_id, None, problems=[f"case {case_id} is not an open case of version {source}"])
              for case_id in wanted or [] if case_id not in found]
    return plans


def migrate_case(session: Session, actor: User | None, key: str, source: int, target: int, case_id: int, *,
                 now: datetime | None = None) -> CasePlan:
    """Move one case to version `target`; when it cannot move, nothing about it changes."""
    require_admin(actor)
    now = now or utcnow()
    old, new = _versions(session, key, source, target)
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None or case.version_id != old.id or case.status != "open":
        raise NotFound(Text("case %(case_id)s is not an open case of version %(source)s",
                            case_id=case_id, source=source))
    try:
        plan, snapshot = migrate_state(engine(), bundle_for(old), bundle_for(new), case.state,
                                       services_for(session, case, now), now=now)
    except ScriptError as err:
        raise CaseStepFailed(err.element_id, err.message) from err
    result = CasePlan(case.id, case.business_key, plan.moves, plan.problems)
    if snapshot is None:
        return result
    case.version = new
    _retarget_open_tasks(session, case, snapshot.ready_tasks)
    events.record(session, "case_migrated", at=now, case=case, actor=actor, key=key, from_version=source,
                  to_version=target, moves=[[m.element_id, m.target_element_id] for m in plan.moves])
    apply_snapshot(session, case, snapshot, actor=actor, now=now)
    try:
        session.flush()
    except StaleDataError as err:
        raise ConcurrentUpdate(Text("case %(case_id)s was changed by someone else at the same time",
                                    case_id=case.id)) from err
    result.moved = True
    return result


def _retarget_open_tasks(session: Session, case: Case, ready: Iterable[ReadyTask]) -> None:
    """Open tasks that stay open take the target version's element, name, form and lane."""
    by_id = {r.id: r for r in ready}
    rules = lane_rules(session, case_routine(case).lanes)  # the lanes of the version the case moves to
    for task in session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")):
        new = by_id.get(task.spiff_task_id)
        if new is None:
            continue
        if new.lane != task.lane:
            task.group_name, task.managers_only = resolve_lane(new.lane, case.data or {}, rules)
            task.assignee_id, task.claimed_at = None, None
        task.element_id, task.name, task.form, task.lane = new.element_id, new.name, new.form, new.lane


def migrate_cases(database: Database, actor_id: int | None, key: str, source: int, target: int,
                  case_ids: Iterable[int] | None = None) -> list[CasePlan]:
    """Move the open cases of version `source` (or the given ones), each in its own transaction."""

    def actor_in(session: Session) -> User | None:
        return session.get(User, actor_id) if actor_id is not None else None

    ids = database.run(lambda s: [p.case_id for p in plan_case_migration(
        s, actor_in(s), key, source, target, case_ids)])
    results = []
    for case_id in ids:

        def move(session: Session, case_id: int = case_id) -> CasePlan:
            return migrate_case(session, actor_in(session), key, source, target, case_id)

        try:
            result = database.run(move)
        except DomainError as err:
            result = CasePlan(case_id, None, problems=[str(err)])
        results.append(result)
    return results
