"""Scale-out on PostgreSQL: due timers fired by 1 vs 2 `onestop worker` processes (no duplicate, none
lost), and case throughput through 1 vs 2 gunicorn web processes under a load generator.

Runs in a throwaway schema of the local test database (never touches other data) and removes it.
Prints readable figures, then one JSON line (see DESIGN.md, Benchmarks).

    .venv/bin/python bench/cluster.py [--timers 10000] [--budget 75] [--web-seconds 15] [--threads 8] [--pg URL]

Each timer run stops after --budget seconds so the whole bench stays under 5 minutes; the rate is
what fired in that time, and every fired timer is checked for exactly one effect.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cluster_web import web_throughput  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from bench.pg_schema import throwaway_schema  # noqa: E402
from processes.apikeys import create_api_key  # noqa: E402
from processes.cases import start_case  # noqa: E402
from processes.db import upgrade, utcnow  # noqa: E402
from processes.demo import seed_people  # noqa: E402
from processes.deployments import deploy_version  # noqa: E402
from processes.files import read_process_files  # noqa: E402
from processes.load_copies import copy_case  # noqa: E402
from processes.models import Event, Task, Timer  # noqa: E402
from processes.tasks import complete_task  # noqa: E402
from processes.unit import Database  # noqa: E402

INTAKE = {"channel": "phone", "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
          "category": "pothole", "description": "Hole in Storgatan", "resolved_on_first_contact": False}
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def seed(url: str, timers: int) -> tuple[list[int], list[int], str]:
    """Demo people, bpmn/ deployed, two sets of `timers` cases waiting at the office; an API key for csu."""
    database = Database(url)
    with database.sessions() as session:
        people = seed_people(session)
        deploy_version(session, None, read_process_files([ROOT / "bpmn"])[0])
        session.commit()
        case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
        intake = session.scalars(select(Task.id).where(Task.case_id == case.id)).one()
        complete_task(session, people["csu"], intake, INTAKE)
        session.commit()
        sets = [copy_case(session, case.id, timers, ref_prefix=f"B{n}") for n in (1, 2)]
        _, api_key = create_api_key(session, None, "bench", people["csu"])
        session.commit()
    database.dispose()
    return sets[0], sets[1], api_key


def start_workers(url: str, count: int) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "-c", "from webui.cli import main; main()", "--db", url, "worker", "--interval", "0.2"]
    return [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(count)]


def waiting(database: Database, cases: list[int]) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Timer)
                                  .where(Timer.case_id.in_(cases), Timer.state == "waiting")) or 0)


def fire(url: str, cases: list[int], workers: int, budget: float) -> dict[str, Any]:
    """Start `workers` workers, make the timers of `cases` due, and time them until none waits or `budget`
    seconds pass; then stop the workers (SIGTERM: they finish their round) and check what fired."""
    database = Database(url)
    processes = start_workers(url, workers)
    time.sleep(8)  # let them import and reach their first idle poll: startup is not the figure
    with database.sessions() as session:
        session.execute(update(Timer).where(Timer.case_id.in_(cases)).values(due_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    started = time.perf_counter()
    while waiting(database, cases) and time.perf_counter() - started < budget:
        time.sleep(0.25)
    fired = len(cases) - waiting(database, cases)
    elapsed = time.perf_counter() - started
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=120)
    with database.sessions() as session:  # what the budget left must not be the next run's work
        session.execute(update(Timer).where(Timer.case_id.in_(cases), Timer.state == "waiting")
                        .values(due_at=utcnow() + timedelta(days=365)))
        session.commit()
    result = {"workers": workers, "timers": len(cases), "fired": fired, "seconds": round(elapsed, 2),
              "per_second": round(fired / elapsed, 1), **check_exactly_once(database, cases)}
    database.dispose()
    return result


def check_exactly_once(database: Database, cases: list[int]) -> dict[str, int]:
    """Duplicate: a case with two follow-ups or escalations. Lost: a fired timer whose step did not land
    (no follow-up), or a follow-up whose timer still waits. Unfired: still waiting when the budget ran
    out (nothing lost: any worker fires it later)."""
    with database.sessions() as session:
        rows = session.execute(select(Timer.case_id, Timer.state).where(Timer.case_id.in_(cases))).all()
        follow_ups = dict(session.execute(
            select(Task.case_id, func.count()).where(Task.case_id.in_(cases), Task.element_id == "follow_up_overdue")
            .group_by(Task.case_id)).all())
        escalations = dict(session.execute(
            select(Event.case_id, func.count()).where(Event.case_id.in_(cases), Event.kind == "escalated")
            .group_by(Event.case_id)).all())
    fired = {case_id for case_id, state in rows if state == "fired"}
    unfired = {case_id for case_id, state in rows if state == "waiting"}
    duplicates = sum(1 for n in follow_ups.values() if n > 1) + sum(1 for n in escalations.values() if n > 1)
    lost = len(fired - set(follow_ups)) + len(fired - set(escalations)) + len(unfired & set(follow_ups))
    return {"duplicates": duplicates, "lost": lost, "unfired": len(unfired)}


def report(timers: list[dict[str, Any]], web: list[dict[str, Any]]) -> dict[str, Any]:
    for run in timers:
        print(f"timers: {run['workers']} worker(s) fired {run['fired']} of {run['timers']} in {run['seconds']} s "
              f"= {run['per_second']}/s; duplicates {run['duplicates']}, lost {run['lost']}, "
              f"not reached in the time budget {run['unfired']}")
    for run in web:
        print(f"web: gunicorn -w {run['processes']}: {run['cases_per_second']} cases/s "
              f"(2 requests each), p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, errors {run['errors']}")
    timer_ratio = round(timers[1]["per_second"] / timers[0]["per_second"], 2) if timers[0]["per_second"] else 0
    web_ratio = round(web[1]["cases_per_second"] / web[0]["cases_per_second"], 2) if web[0]["cases_per_second"] else 0
    print(f"ratios 2 vs 1: timers x{timer_ratio}, web x{web_ratio} (on {os.cpu_count()} cores, shared with "
          "PostgreSQL and the load generator)")
    figures = {"timers": timers, "web": web, "timer_ratio": timer_ratio, "web_ratio": web_ratio,
               "cores": os.cpu_count()}
    targets = {"timer_duplicates": 0, "timers_lost": 0, "timer_ratio_min": 1.5}
    met = all(r["duplicates"] == 0 and r["lost"] == 0 for r in timers) and timer_ratio >= 1.5
    return {"bench": "cluster", "figures": figures, "targets": targets, "met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=10_000)
    parser.add_argument("--budget", type=float, default=75.0, help="seconds per timer run at most")
    parser.add_argument("--web-seconds", type=float, default=15.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg", default=os.environ.get("ONESTOP_TEST_PG_URL", DEFAULT_PG))
    args = parser.parse_args()
    with throwaway_schema(args.pg, "bench_cluster") as url:
        upgrade(url)
        started = time.perf_counter()
        first, second, api_key = seed(url, args.timers)
        print(f"seeded 2 x {args.timers} cases waiting on a timer in {time.perf_counter() - started:.1f} s")
        timers = [fire(url, first, 1, args.budget), fire(url, second, 2, args.budget)]
        web = [web_throughput(url, api_key, processes, args.web_seconds, args.threads) for processes in (1, 2)]
        print(json.dumps(report(timers, web)))


if __name__ == "__main__":
    main()
