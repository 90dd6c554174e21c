"""The worker's loop around run_worker_round: it outlives a database restart or failover.

A round that cannot reach the database is logged and retried with back-off (1 s, 2 s, 4 s ... at
most 30 s) until the database answers again; a round that was cut off mid-transaction left nothing
behind (its transaction is rolled back by the server and its SKIP LOCKED rows are free again), so
no process needs a restart. `stop` ends the loop between rounds (SIGTERM from systemd, Ctrl-C).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError

from .db import DatabaseUnavailable
from .errors import DomainError
from .unit import Database
from .worker import busy, run_worker_round

log = logging.getLogger("onestop.worker")
MAX_BACKOFF = 30.0
Round = Callable[[Database, datetime | None], dict[str, int]]


def run_worker(database: Database, *, interval: float, stop: threading.Event, once: bool = False,
               work: Round = run_worker_round, first_pause: float = 1.0) -> int:
    """Run rounds until `stop` is set (or one round when `once`); returns how many rounds ran.

    After a failed round it waits `first_pause` seconds, twice that after the next failure, and so on."""
    rounds, outage = 0, 0
    while not stop.is_set():
        try:
            result = work(database, None)
        except (DatabaseUnavailable, OperationalError, InterfaceError) as err:
            outage += 1
            pause = min(first_pause * 2.0 ** (outage - 1), MAX_BACKOFF)
            log.warning("database unavailable; retrying", extra={"error": _one_line(err), "retry_in_s": pause,
                                                                 "attempt": outage})
            if once:
                raise
            stop.wait(pause)
            continue
        except DomainError as err:  # a case's step failed (a broken script): the others still need a worker
            log.error("round failed", extra={"error": str(err), "error_type": type(err).__name__})
            if once:
                raise
            result = {}
        if outage:
            log.info("database available again", extra={"after_attempts": outage})
            outage = 0
        rounds += 1
        if busy_round(result):
            log.info("round", extra=result)
        if once:
            break
        if not busy_round(result):
            stop.wait(interval)
    return rounds


def busy_round(result: dict[str, int]) -> bool:
    return bool(result) and busy(result)


def _one_line(err: Exception) -> str:
    if isinstance(err, OperationalError | InterfaceError) and err.orig is not None:
        return str(err.orig).strip().splitlines()[0]
    return str(err)
