"""Engine throughput: bare SpiffWorkflow vs OneStop on SQLite and PostgreSQL, and step cost vs case length.

One run, the same path for every variant: start, intake (handed over), route, resolve, end.
Prints readable figures, then one JSON line (see DESIGN.md, Benchmarks).

    .venv/bin/python bench/engine.py [--cases 200] [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from bench.pg_schema import throwaway_schema  # noqa: E402
from processes.cases import start_case  # noqa: E402
from processes.db import upgrade  # noqa: E402
from processes.deployments import deploy_version  # noqa: E402
from processes.files import read_process_files  # noqa: E402
from processes.models import Task  # noqa: E402
from processes.tasks import complete_task  # noqa: E402
from processes.unit import Database  # noqa: E402

INTAKE = {"channel": "phone", "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
          "category": "pothole", "description": "Hole in Storgatan", "resolved_on_first_contact": False}
RESOLVE = {"outcome": "resolved", "answer": "Fixed."}


class BareEngine(PythonScriptEngine):
    def call_service(self, task: Any, **kwargs: Any) -> str:
        if kwargs["operation_name"] == "compute_due_date":
            return json.dumps("2030-01-01T00:00:00+00:00")
        return json.dumps({"queued": True})


def bare_spiff(cases: int) -> float:
    """Cases per second of SpiffWorkflow alone, in memory, default script engine."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(ROOT / "bpmn" / "citizen_request.bpmn")])
    parser.add_dmn_files([str(ROOT / "bpmn" / "route_request.dmn")])
    spec, subprocesses = parser.get_spec("citizen_request"), parser.get_subprocess_specs("citizen_request")
    started = time.perf_counter()
    for _ in range(cases):
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=BareEngine())
        workflow.do_engine_steps()
        for data in (INTAKE, RESOLVE):
            task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
            task.data.update(data)
            task.run()
            workflow.do_engine_steps()
            workflow.refresh_timers()
        assert workflow.is_completed()
    return cases / (time.perf_counter() - started)


def open_task_id(session: Any, case_id: int, element_id: str) -> int:
    return int(session.scalars(select(Task.id).where(Task.case_id == case_id, Task.element_id == element_id,
                                                     Task.status == "open")).one())


def onestop(url: str, cases: int) -> float:
    """Cases per second through OneStop's operations, one transaction per step, as the app runs."""
    database = Database(url)
    started = time.perf_counter()
    for _ in range(cases):
        case_id = database.run(lambda s: start_case(s, None, "citizen_request", {"channel": "phone"}).id)
        for element, data in (("intake", INTAKE), ("handle_request", RESOLVE)):
            database.run(lambda s, c=case_id, e=element, d=data: complete_task(s, None, open_task_id(s, c, e), d))
    elapsed = time.perf_counter() - started
    database.dispose()
    return cases / elapsed


def step_cost(url: str, iterations: int, sample: int = 20) -> dict[str, float]:
    """Median ms of one persisted step (need_info -> reply) near task 1 and near the last task.

    Medians, because SQLite's WAL checkpoints and a busy machine add spikes unrelated to case length."""
    database = Database(url)
    case_id = database.run(lambda s: start_case(s, None, "citizen_request", {"channel": "phone"}).id)
    database.run(lambda s: complete_task(s, None, open_task_id(s, case_id, "intake"), INTAKE))
    timings: list[float] = []
    for _ in range(iterations):
        for element, data in (("handle_request", {"outcome": "need_info", "info_question": "More?"}),
                              ("contact_citizen", {"citizen_reply": "Here."})):
            started = time.perf_counter()
            database.run(lambda s, e=element, d=data: complete_task(s, None, open_task_id(s, case_id, e), d))
            timings.append((time.perf_counter() - started) * 1000)
    size = database.run(lambda s: len(json.dumps(s.scalars(text("SELECT state FROM cases WHERE id = :i"),
                                                         {"i": case_id}).one())))
    database.dispose()
    early = statistics.median(timings[2:2 + sample])
    late = statistics.median(timings[-sample:])
    return {"step_ms_at_task_1": round(early, 2), f"step_ms_at_task_{len(timings)}": round(late, 2),
            "step_ratio": round(late / early, 2), "state_bytes_at_end": size}


def prepared(url: str) -> str:
    upgrade(url)
    files, _ = read_process_files([ROOT / "bpmn"])
    Database(url).run(lambda s: deploy_version(s, None, files))
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--loop", type=int, default=100, help="need-info loops in the long case (2 tasks each)")
    parser.add_argument("--pg", default=os.environ.get("ONESTOP_TEST_PG_URL",
                                                       "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()

    bare = bare_spiff(args.cases)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = prepared(f"sqlite:///{tmp}/bench.db")
        sqlite = onestop(sqlite_url, args.cases)
        cost = step_cost(sqlite_url, args.loop)
    with throwaway_schema(args.pg) as pg_url:
        pg = onestop(prepared(pg_url), args.cases)

    figures = {"bare_spiff_cases_per_s": round(bare, 1), "onestop_sqlite_cases_per_s": round(sqlite, 1),
               "onestop_postgresql_cases_per_s": round(pg, 1), "sqlite_to_bare": round(sqlite / bare, 3), **cost}
    targets = {"sqlite_to_bare": ">= 0.5", "step_ratio": "<= 1.5"}
    met = figures["sqlite_to_bare"] >= 0.5 and cost["step_ratio"] <= 1.5
    print(f"path: start, intake (handed over), route, resolve, end; {args.cases} cases each")
    print(f"  bare SpiffWorkflow, in memory    {bare:8.1f} cases/s")
    print(f"  OneStop on SQLite                {sqlite:8.1f} cases/s   ({sqlite / bare:.2f} x bare; target >= 0.5)")
    print(f"  OneStop on PostgreSQL            {pg:8.1f} cases/s")
    print(f"long case, {2 * args.loop} tasks: one persisted step costs {cost['step_ms_at_task_1']} ms at task 1 "
          f"and {list(cost.values())[1]} ms at the end (ratio {cost['step_ratio']}; target <= 1.5); "
          f"state {cost['state_bytes_at_end']} bytes")
    print(json.dumps({"bench": "engine", "figures": figures, "targets": targets, "met": met}))


if __name__ == "__main__":
    main()
