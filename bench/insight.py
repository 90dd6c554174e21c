"""Dashboard and heatmap queries on PostgreSQL at 100k and 1M events: one year, all offices, under 1 s each.

Builds a throwaway schema in the `test` database ($ONESTOP_TEST_PG_URL), writes a year of demo
history (processes/demo_history.py) until the log holds ~100k events, measures, then copies it
nine times inside the database (shifted by a few minutes, new ids) to reach ~1M and measures again.
The schema is dropped at the end, whatever happens. Bounded: a few minutes on a quiet machine.

    .venv/bin/python bench/insight.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg_schema import throwaway_schema  # noqa: E402
from processes.cases import current_version  # noqa: E402
from processes.db import database_url, make_engine, session_factory, upgrade  # noqa: E402
from processes.demo import seed_articles, seed_people  # noqa: E402
from processes.demo_history import HistoryWriter  # noqa: E402
from processes.demo_live import CITIZENS, demo_cast  # noqa: E402
from processes.demo_plans import Planner  # noqa: E402
from processes.deployments import deploy_version  # noqa: E402
from processes.eventlog import export  # noqa: E402
from processes.files import read_process_files  # noqa: E402
from processes.heatmap import bpmn_elements, bpmn_source, heatmap  # noqa: E402
from processes.metrics import dashboard  # noqa: E402
from processes.metrics_filters import Filters  # noqa: E402
from processes.models import Article, Base, Event  # noqa: E402
from processes.runtime import calendar  # noqa: E402

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
YEAR = Filters(start=date(2025, 6, 1), end=date(2026, 6, 1))
TARGET_SECONDS = 1.0
EXPORT_CHUNKS = 200  # 500 events each: the export is measured on the first 100k events
SHIFT_MINUTES = 7  # each copy of the history is this much later than the one before
TIMESTAMPS = {"created_at", "closed_at", "due_at", "at", "claimed_at", "completed_at", "picked_up_at", "received_at",
              "answered_at"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events at the large size (~10x the small)")
    args = parser.parse_args()
    server = database_url(os.environ.get("ONESTOP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    with throwaway_schema(server) as url:
        return run(url, args.events)


def run(url: str, large: int) -> int:
    began = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    started = time.perf_counter()
    with sessions() as session:
        written = seed(session, large // 10)
        session.commit()
    print(f"wrote {written:,} events of demo history in {time.perf_counter() - started:.1f} s")
    figures: dict[str, Any] = {}
    small = measure(engine, sessions, "small", figures)
    started = time.perf_counter()
    copies = max(1, round(large / small) - 1)
    multiply(engine, copies)
    print(f"copied it {copies} times in {time.perf_counter() - started:.1f} s")
    measure(engine, sessions, "large", figures, export_too=True)
    engine.dispose()
    ratio = figures["large_dashboard_s"] / max(figures["small_dashboard_s"], 1e-9)
    figures["growth_small_to_large"] = round(ratio, 2)
    print(f"\n10x the events made the dashboard {ratio:.1f}x slower; the bench took {time.perf_counter() - began:.0f} s"
          f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    figures["load_average"] = round(os.getloadavg()[0], 1)
    targets = {"large_dashboard_s": TARGET_SECONDS, "large_heatmap_s": TARGET_SECONDS, "large_events": large * 0.9}
    met = (figures["large_dashboard_s"] < TARGET_SECONDS and figures["large_heatmap_s"] < TARGET_SECONDS
           and figures["large_events"] >= large * 0.9)
    print(json.dumps({"bench": "insight", "figures": figures, "targets": targets, "met": met}))
    return 0 if met else 1


def seed(session: Session, events: int) -> int:
    """Demo history, as `onestop demo` writes it, until the log has about `events` events."""
    users = seed_people(session)
    seed_articles(session)
    files, _ = read_process_files([ROOT / "bpmn"])
    deploy_version(session, users["admin"], files)
    version = current_version(session, "citizen_request")
    articles = {title: article_id for title, article_id in session.execute(select(Article.title, Article.id))}
    by_category: dict[str, list[str]] = {}
    for title, category in session.execute(select(Article.title, Article.category)):
        by_category.setdefault(category or "", []).append(title)
    planner = Planner(random.Random(1), calendar(), by_category, CITIZENS)
    writer = HistoryWriter(session, version, demo_cast(users), bpmn_elements(bpmn_source(version)), articles,
                           batch=1000)
    logged = 0
    while logged < events:
        plan = planner.plan(NOW, 365)
        if plan.finished_at <= NOW:
            writer.add(plan)
            logged += len(writer.pending[-1].events) if writer.pending else 20
    writer.flush()
    return session.scalar(select(func.count()).select_from(Event)) or 0


def multiply(engine: Engine, copies: int) -> None:
    """Copy cases, tasks, events and survey answers `copies` times inside the database, one
    INSERT ... SELECT per table (generate_series numbers the copies)."""
    with engine.begin() as connection:
        offsets = {t: connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one()
                   for t in ("cases", "tasks", "events", "survey_responses")}
        columns = {t: list(connection.execute(text(f"SELECT * FROM {t} LIMIT 0")).keys()) for t in offsets}
        for table in offsets:
            exprs = [_copied(table, column, offsets) for column in columns[table]]
            connection.execute(text(
                f"INSERT INTO {table} ({', '.join(columns[table])}) SELECT {', '.join(exprs)} "
                f"FROM {table}, generate_series(1, {copies}) AS k WHERE id <= {offsets[table]}"))
        for table in offsets:
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))


def _copied(table: str, column: str, offsets: dict[str, int]) -> str:
    if column == "id":
        return f"id + k * {offsets[table]}"
    if column == "case_id":
        return f"case_id + k * {offsets['cases']}"
    if column == "task_id":
        return f"task_id + k * {offsets['tasks']}"
    if column in ("business_key", "tracking_token", "case_ref"):
        return f"{column} || '-' || k"
    if column in TIMESTAMPS:
        return f"{column} + k * interval '{SHIFT_MINUTES} minutes'"
    return column


def settle(engine: Engine) -> None:
    """VACUUM ANALYZE the bench's tables, as autovacuum does to tables that mostly grow (inserts
    trigger it since PostgreSQL 13): fresh statistics, and a visibility map, without which no
    index-only scan can skip the heap. A log loaded a moment ago has neither yet. Table by table:
    the `test` database holds other schemas too."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in Base.metadata.sorted_tables:
            connection.execute(text(f'VACUUM ANALYZE "{table.name}"'))


def measure(engine: Engine, sessions: Callable[[], Session], size: str, figures: dict[str, Any],
            export_too: bool = False) -> int:
    settle(engine)
    with sessions() as session:
        events = session.scalar(select(func.count()).select_from(Event)) or 0
        cases = session.scalar(text("SELECT count(*) FROM cases")) or 0
        dashboard(session, None, YEAR, now=NOW)  # warm caches and the calendar
        seconds = _best(lambda: dashboard(session, None, YEAR, now=NOW))
        figures.update({f"{size}_events": events, f"{size}_cases": cases, f"{size}_dashboard_s": round(seconds, 3)})
        print(f"\n{size}: {events:,} events, {cases:,} cases")
        print(f"  dashboard, one year, all offices: {seconds * 1000:.0f} ms")
        heatmap(session, None, "citizen_request", None, YEAR)  # warm, like the dashboard
        heat_seconds = _best(lambda: heatmap(session, None, "citizen_request", None, YEAR))
        figures[f"{size}_heatmap_s"] = round(heat_seconds, 3)
        print(f"  heatmap of the year, all offices: {heat_seconds * 1000:.0f} ms")
        if export_too:
            started = time.perf_counter()
            chunks = export(session, None, Filters(YEAR.start, YEAR.end), "csv")
            written = sum(len(chunk) for chunk in itertools.islice(chunks, EXPORT_CHUNKS))
            rate = EXPORT_CHUNKS * 500 / (time.perf_counter() - started)
            figures[f"{size}_export_events_per_s"] = round(rate)
            print(f"  CSV export: the first {EXPORT_CHUNKS * 500:,} events ({written / 1e6:.0f} MB) "
                  f"at {rate:,.0f} events/s, streamed")
        return events


def _best(work: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) if runs < 3 else statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
