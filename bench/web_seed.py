"""Seed a throwaway PostgreSQL schema with many open tasks, fast, for bench/web.py.

Bulk INSERTs through SQLAlchemy Core: no engine steps, no ORM. The rows look like what the
projection writes (case fields copied onto the task), spread over offices, officers and due dates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.models import Case, Group, Membership, ProcessVersion, Task, User

ROOT = Path(__file__).resolve().parents[1]

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-pw"
CATEGORIES = ("pothole", "streetlight", "building_permit", "financial_aid", "school_placement",
              "missed_collection")
NAMES = ("Alva Berg", "Nils Ek", "Sara Lind", "Omar Haddad", "Elin Sjö", "Karl Nyström", "Leila Amini",
         "Johan Holm", "Ines Falk", "Tove Strand")
STREETS = ("Storgatan", "Parkvägen", "Torget")
TASKS_PER_CASE = 4
BATCH = 5000


@dataclass(frozen=True)
class Seeded:
    tasks: int
    groups: list[str]
    bench_groups: list[str]
    bench_user_id: int


def seed(engine: Engine, *, tasks: int, groups: int = 12, member_of: int = 10, officers: int = 6,
         seed_value: int = 11) -> Seeded:
    """`tasks` open tasks over `groups` offices; the bench user is an officer in `member_of` of them."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    names = [f"office_{n:02d}" for n in range(groups)]
    with engine.begin() as conn:
        conn.execute(insert(Group.__table__), [{"name": name, "title": f"Office {n:02d}", "kind": "office",
                                                "active": True} for n, name in enumerate(names)])
        group_ids = dict(conn.execute(text("SELECT name, id FROM groups")).tuples().all())
        users = [{"username": BENCH_USER, "display_name": "Bench Officer", "roles": "officer",
                  "password_hash": generate_password_hash(BENCH_PASSWORD), "locale": "en", "active": True,
                  "created_at": now}]
        users += [{"username": f"officer_{g}_{k}", "display_name": f"Officer {g}-{k}", "roles": "officer",
                   "password_hash": None, "locale": "en", "active": True, "created_at": now}
                  for g in range(groups) for k in range(officers)]
        conn.execute(insert(User.__table__), users)
        user_ids = dict(conn.execute(text("SELECT username, id FROM users")).tuples().all())
        memberships = [{"user_id": user_ids[BENCH_USER], "group_id": group_ids[name], "is_manager": False}
                       for name in names[:member_of]]
        memberships += [{"user_id": user_ids[f"officer_{g}_{k}"], "group_id": group_ids[names[g]],
                         "is_manager": k == 0} for g in range(groups) for k in range(officers)]
        conn.execute(insert(Membership.__table__), memberships)
        version_id = _deploy(conn)
        case_count = -(-tasks // TASKS_PER_CASE)
        for start in range(0, case_count, BATCH):
            conn.execute(insert(Case.__table__), [_case(n, version_id, rng, now)
                                                  for n in range(start + 1, min(start + BATCH, case_count) + 1)])
        officers_by_group = {g: [user_ids[f"officer_{g}_{k}"] for k in range(officers)] for g in range(groups)}
        for start in range(0, tasks, BATCH):
            conn.execute(insert(Task.__table__), [
                _task(n, names, officers_by_group, user_ids[BENCH_USER], rng, now)
                for n in range(start, min(start + BATCH, tasks))])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("tasks", "cases", "users", "groups", "memberships"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    return Seeded(tasks, names, names[:member_of], user_ids[BENCH_USER])


def _deploy(conn: Connection) -> int:
    """The shipped processes, deployed as the application does; the id of citizen_request's version."""
    with Session(bind=conn) as session:
        files, _ = read_process_files([ROOT / "bpmn"])
        deploy_version(session, None, files)
        session.flush()
        return int(session.scalars(select(ProcessVersion.id).where(ProcessVersion.key == "citizen_request")).one())


def _case(n: int, version_id: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    return {"id": n, "version_id": version_id, "process_key": "citizen_request", "business_key": f"CR-2026-{n:06d}",
            "status": "open", "data": {}, "state": {}, "lock_version": 1,
            "created_at": now - timedelta(days=rng.uniform(0, 60))}


def _task(n: int, groups: list[str], officers: dict[int, list[int]], bench_id: int, rng: random.Random,
          now: datetime) -> dict[str, Any]:
    case_id = n // TASKS_PER_CASE + 1
    g = rng.randrange(len(groups))
    roll = rng.random()
    assignee = bench_id if roll < 0.004 else (rng.choice(officers[g]) if roll < 0.4 else None)
    follow_up = rng.random() < 0.03
    name = rng.choice(NAMES)
    category = rng.choice(CATEGORIES)
    created = now - timedelta(days=rng.uniform(0, 40))
    return {
        "case_id": case_id, "spiff_task_id": f"t-{n}",
        "element_id": "follow_up_overdue" if follow_up else "handle_request",
        "name": "Follow up overdue request" if follow_up else "Handle request", "lane": "Office",
        "group_name": groups[g], "managers_only": follow_up, "status": "open", "assignee_id": assignee,
        "due_at": None if rng.random() < 0.1 else now + timedelta(days=rng.uniform(-20, 30)),
        "created_at": created, "process_key": "citizen_request", "case_ref": f"CR-2026-{case_id:06d}",
        "category": category, "citizen_name": name,
        "summary": f"Request {n} about {category.replace('_', ' ')} near {rng.choice(STREETS)}",
    }
