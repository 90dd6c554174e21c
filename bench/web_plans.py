"""EXPLAIN the inbox's queries on PostgreSQL: which indexes they use, and no sequential scan of tasks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import ClientCursor
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from processes.db import session_factory, utcnow
from processes.inbox import InboxFilters, inbox_page
from processes.inbox_counts import inbox_counts
from processes.users import find_user

ZONE = ZoneInfo("Europe/Stockholm")


def explain_inbox(engine: Engine, username: str) -> dict[str, Any]:
    """For each main inbox query as the app sends it: EXPLAIN ANALYZE time, indexes, seq scans on tasks."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "FROM tasks" in statement:
            captured.append((statement, parameters))

    queries: dict[str, dict[str, Any]] = {}
    with session_factory(engine)() as session:
        user, now = find_user(session, username), utcnow()
        first = inbox_page(session, user, InboxFilters(), now=now, zone=ZONE)
        scenarios: dict[str, Callable[[], object]] = {
            "page": lambda: inbox_page(session, user, InboxFilters(), now=now, zone=ZONE),
            "next page": lambda: inbox_page(session, user, InboxFilters(), now=now, zone=ZONE, after=first.next_cursor),
            "overdue": lambda: inbox_page(session, user, InboxFilters(due="overdue"), now=now, zone=ZONE),
            "counts": lambda: inbox_counts(session, user, now=now, zone=ZONE),
        }
        for name, scenario in scenarios.items():
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            try:
                scenario()
            finally:
                event.remove(engine, "before_cursor_execute", capture)
            queries[name] = _explain(session, captured[0])
    used = {index for plan in queries.values() for index in plan["indexes"]}
    return {"queries": queries, "indexes": sorted(used),
            "all_indexed": {"ix_tasks_status_group_due", "ix_tasks_status_assignee_due"} <= used
            and not any(plan["seq_scan_on_tasks"] for plan in queries.values())}


def _explain(session: Session, statement: tuple[str, Any]) -> dict[str, Any]:
    sql, parameters = statement
    raw = session.connection().connection.dbapi_connection
    literal = ClientCursor(raw).mogrify(sql, parameters)  # type: ignore[arg-type]
    plan = session.execute(text("EXPLAIN (ANALYZE, FORMAT JSON) " + literal.replace(":", r"\:"))).scalar_one()
    nodes = list(_nodes(plan[0]["Plan"]))
    return {"ms": round(plan[0]["Execution Time"], 2),
            "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
            "seq_scan_on_tasks": any(n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "tasks"
                                     for n in nodes)}


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)
