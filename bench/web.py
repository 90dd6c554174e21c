"""Web bench: the inbox page against a hello-world route under gunicorn, and its latency at 100k open tasks.

One run, one WSGI server (gunicorn, gthread workers) and one load generator (wrk when installed,
else a small keep-alive Python client) for both routes. The data: a throwaway schema in the
PostgreSQL `test` database, seeded with bulk INSERTs (bench/web_seed.py), dropped afterwards.
The user is an officer in 10 of 12 offices. Only 127.0.0.1 is contacted; bounded in time.

    .venv/bin/python bench/web.py [--tasks 100000] [--pg URL] [--seconds 6]

Prints readable figures, then one JSON line (see DESIGN.md, Benchmarks).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Import the bench modules as `bench.*` from the repository root: bench/ itself on the path would
# let bench/engine.py shadow the engine package.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from flask import Flask  # noqa: E402
from sqlalchemy import Engine, make_url, text  # noqa: E402

from bench.pg_schema import throwaway_schema  # noqa: E402
from bench.web_load import LoadResult, latencies, log_in, percentile, server, throughput  # noqa: E402
from bench.web_plans import explain_inbox  # noqa: E402
from bench.web_seed import BENCH_PASSWORD, BENCH_USER, seed  # noqa: E402
from processes.db import make_engine, upgrade  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGETS = {"inbox_vs_hello_ratio_min": 0.3, "inbox_p95_ms_max": 50.0}


def bench_app() -> Flask:
    """The app gunicorn serves: the real factory on the bench schema, plus /bench/hello."""
    from webui.app import create_app

    app = create_app({"DATABASE_URL": os.environ["ONESTOP_BENCH_DB"], "SECRET_KEY": "bench", "BENCH": True,
                      "RATELIMIT_ENABLED": False})
    if app.config["BENCH"]:
        app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")
    return app


APPLICATION = "onestop-web-bench"


def backend_pids(admin: Engine) -> Callable[[], list[int]]:
    def pids() -> list[int]:
        with admin.connect() as conn:
            return list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                                     {"name": APPLICATION}))
    return pids


def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"tasks": args.tasks}
    admin = make_engine(args.pg)  # sees the server's backends, for their CPU time
    try:
        with throwaway_schema(args.pg, application_name=APPLICATION) as url:
            _measure(args, url, admin, figures)
    finally:
        admin.dispose()
    figures["load_average"] = round(os.getloadavg()[0], 2)
    return figures


def _measure(args: argparse.Namespace, url: str, admin: Engine, figures: dict[str, Any]) -> None:
    """Seed the schema at `url`, then the latencies and the throughputs, into `figures`."""
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    seeded = seed(engine, tasks=args.tasks)
    figures["seed_s"] = round(time.perf_counter() - started, 1)
    figures["visible_groups"] = len(seeded.bench_groups)
    figures["plans"] = explain_inbox(engine, BENCH_USER)
    engine.dispose()
    with server(url, args.workers, args.threads, backend_pids(admin)) as served:
        cookie = log_in(served.base, BENCH_USER, BENCH_PASSWORD)
        figures["latency_ms"] = latencies(served.base, cookie, requests=args.latency_requests)
        hello, inbox = throughput(served, cookie, args.seconds, args.connections)
        figures["throughput"] = {
            "tool": hello.tool, "hello_rps": hello.rps, "inbox_rps": inbox.rps,
            "hello_errors": hello.errors, "inbox_errors": inbox.errors,
            "ratio": round(inbox.rps / hello.rps, 3) if hello.rps else 0.0,
            "hello_cpu_ms": hello.cpu_ms_per_request, "inbox_cpu_ms": inbox.cpu_ms_per_request,
            "cpu_ratio": round(hello.cpu_ms_per_request / inbox.cpu_ms_per_request, 3)
            if inbox.cpu_ms_per_request else 0.0}


def report(figures: dict[str, Any]) -> bool:
    lat, tp, plans = figures["latency_ms"], figures["throughput"], figures["plans"]
    print(f"seeded {figures['tasks']:,} open tasks in {figures['seed_s']} s; the user sees "
          f"{figures['visible_groups']} offices")
    print("query plans (PostgreSQL EXPLAIN):")
    for query, plan in plans["queries"].items():
        print(f"  {query:<22} {plan['ms']:>6.1f} ms  indexes: {', '.join(plan['indexes']) or '-'}"
              f"{'  SEQ SCAN on tasks' if plan['seq_scan_on_tasks'] else ''}")
    print("inbox latency, one client, ms:")
    for view, stats in lat["views"].items():
        print(f"  {view:<22} p50 {stats['p50']:>6.1f}  p95 {stats['p95']:>6.1f}  max {stats['max']:>6.1f}")
    print(f"  {'all views':<22} p50 {lat['p50']:>6.1f}  p95 {lat['p95']:>6.1f}")
    miss = lat["search_without_match"]
    print(f"  {'search, no match':<22} p50 {miss['p50']:>6.1f}  p95 {miss['p95']:>6.1f}  (walks every visible task: "
          "plain ILIKE, not in the target)")
    print(f"throughput ({tp['tool']}): hello {tp['hello_rps']:.0f} req/s, inbox {tp['inbox_rps']:.0f} req/s, "
          f"ratio {tp['ratio']:.2f} (errors {tp['hello_errors']}/{tp['inbox_errors']})")
    print(f"server CPU per request (gunicorn workers + their PostgreSQL backends): hello {tp['hello_cpu_ms']} ms, "
          f"inbox {tp['inbox_cpu_ms']} ms, ratio {tp['cpu_ratio']:.2f}")
    print(f"load average during the run: {figures['load_average']} (2 cores)")
    met = (tp["ratio"] >= TARGETS["inbox_vs_hello_ratio_min"] and lat["p95"] < TARGETS["inbox_p95_ms_max"]
           and plans["all_indexed"] and not tp["hello_errors"] and not tp["inbox_errors"])
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("ONESTOP_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--seconds", type=float, default=6.0, help="per throughput measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--latency-requests", type=int, default=300)
    args = parser.parse_args()
    if make_url(args.pg).host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the bench only talks to a PostgreSQL on this machine")
    figures = run(args)
    met = report(figures)
    lat, tp = figures["latency_ms"], figures["throughput"]
    compact = {"tasks": figures["tasks"], "inbox_p95_ms": lat["p95"], "inbox_p50_ms": lat["p50"],
               "hello_rps": tp["hello_rps"], "inbox_rps": tp["inbox_rps"], "inbox_vs_hello_ratio": tp["ratio"],
               "load_tool": tp["tool"], "hello_cpu_ms": tp["hello_cpu_ms"], "inbox_cpu_ms": tp["inbox_cpu_ms"],
               "inbox_vs_hello_cpu_ratio": tp["cpu_ratio"], "indexes_used": figures["plans"]["all_indexed"],
               "inbox_search_no_match_p50_ms": lat["search_without_match"]["p50"],
               "load_average": figures["load_average"]}
    print(json.dumps({"bench": "web", "figures": compact, "targets": TARGETS, "met": met}))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["LoadResult", "bench_app", "percentile"]
