"""A racer process for the concurrency tests: completes each task at the same moment as its rival."""

from __future__ import annotations

from typing import Any

from processes.errors import TaskAlreadyCompleted
from processes.tasks import complete_task
from processes.unit import Database
from processes.users import find_user


def race(url: str, username: str, task_ids: list[int], data: dict[str, Any], barrier: Any, results: Any) -> None:
    """For each task: wait for the rival at the barrier, then try to complete it; report the outcome."""
    database = Database(url)
    outcomes: dict[int, str] = {}
    for task_id in task_ids:
        barrier.wait(timeout=30)
        try:
            database.run(lambda s, t=task_id: complete_task(s, find_user(s, username), t, data))
            outcomes[task_id] = "won"
        except TaskAlreadyCompleted as err:
            outcomes[task_id] = f"lost to {err.by}"
        except Exception as err:  # noqa: BLE001 - reported, not raised: the rival would wait at the barrier
            outcomes[task_id] = f"error: {type(err).__name__}: {err}"
    database.dispose()
    results.put((username, outcomes))
