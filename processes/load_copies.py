"""Copies of one waiting case, for benchmarks and fault tests that need thousands of cases at once.

Running 10,000 cases through intake takes minutes; copying one that was run through the real
operations takes seconds, and each copy is a case like any other: its own row, its own stored
engine state (the same state as the original's), its open tasks and its waiting timers.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from .models import Case, Task, Timer

CHUNK = 500


def _columns(model: type[Any], skip: set[str]) -> list[str]:
    return [attr.key for attr in inspect(model).column_attrs if attr.key not in skip]


def copy_case(session: Session, case_id: int, count: int, *, ref_prefix: str = "COPY") -> list[int]:
    """`count` copies of case `case_id` with its open tasks and waiting timers; the new case ids.

    Flushes, never commits. Events, outbox messages and finished tasks are not copied."""
    case = session.get(Case, case_id)
    if case is None:
        raise ValueError(f"no case {case_id}")
    tasks = list(session.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")))
    timers = list(session.scalars(select(Timer).where(Timer.case_id == case_id, Timer.state == "waiting")))
    case_columns = _columns(Case, {"id"})
    task_columns = _columns(Task, {"id", "case_id"})
    timer_columns = _columns(Timer, {"id", "case_id"})
    new_ids: list[int] = []
    for start in range(0, count, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, count)):
            row = {key: getattr(case, key) for key in case_columns}
            row["business_key"] = f"{ref_prefix}-{case_id}-{n}"[:40]
            row["tracking_token"] = secrets.token_urlsafe(24) if case.tracking_token else None
            rows.append(row)
        ids = list(session.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), rows))
        refs = {new_id: row["business_key"] for new_id, row in zip(ids, rows, strict=True)}
        task_rows = [{**{key: getattr(t, key) for key in task_columns}, "case_id": new_id, "case_ref": refs[new_id]}
                     for new_id in ids for t in tasks]
        timer_rows = [{**{key: getattr(t, key) for key in timer_columns}, "case_id": new_id}
                      for new_id in ids for t in timers]
        for model, copies in ((Task, task_rows), (Timer, timer_rows)):
            if copies:
                session.execute(insert(model), copies)
        new_ids.extend(ids)
    session.flush()
    return new_ids
