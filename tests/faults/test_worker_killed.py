"""Workers killed with SIGKILL while they fire timers, 100 times: every timer still fires exactly once.

Two workers run side by side (SKIP LOCKED) in small batches, so that most kills land in the middle
of a transaction; the killed one is replaced at once, as systemd would. Then a real `onestop worker`
process finishes the work.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from multiprocessing.process import BaseProcess

import pytest
from fault_setup import cases_at_the_office, count_events, make_timers_due, projection_problems
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.load_copies import copy_case
from processes.models import Task, Timer, User
from processes.timers import fire_due_timers
from processes.unit import Database
from processes.worker_loop import run_worker

KILLS = int(os.environ.get("ONESTOP_KILL_ROUNDS", "100"))
BATCH = 2  # timers per transaction: small, so that commits and kills interleave
TOP_UP = 300  # more due cases whenever fewer than TOP_UP // 2 wait, so every kill meets work

pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_db: Database) -> Database:
    return pg_db


def fire_forever(url: str) -> None:
    """The `onestop worker` loop (processes.worker_loop.run_worker) on timers only, in small batches."""
    database = Database(url)

    def timers_only(db: Database, _now: object) -> dict[str, int]:
        fired = db.run(partial(fire_due_timers, limit=BATCH))
        return {"timers_fired": fired, "sent": 0, "retrying": 0, "failed": 0, "kept": 0}

    run_worker(database, interval=0.01, stop=threading.Event(), work=timers_only)


def waiting_due(session: Session, case_ids: list[int]) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Timer)
                              .where(Timer.case_id.in_(case_ids), Timer.state == "waiting")) or 0)


@pytest.mark.usefixtures("deployed")
def test_workers_killed_while_firing_fire_every_timer_exactly_once(
    db: Database, session: Session, people: dict[str, User]
) -> None:
    template = cases_at_the_office(session, people["csu"], 1)[0]  # never due itself: copied from
    cases: list[int] = []

    def top_up() -> None:
        new = copy_case(session, template, TOP_UP, ref_prefix=f"K{len(cases)}")
        session.commit()
        make_timers_due(session, new)
        cases.extend(new)

    top_up()
    fork = multiprocessing.get_context("fork")  # the parent has imported everything: a worker starts in ms

    def start() -> BaseProcess:
        worker = fork.Process(target=fire_forever, args=(db.url,), daemon=True)
        worker.start()
        return worker

    rng = random.Random(8)
    workers = [start(), start()]
    kills_with_work_left = 0
    deadline = time.monotonic() + 240
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.02, 0.25))
        # Deep enough that a stall of this process between the check and the kill (a busy CI machine)
        # cannot let the two workers drain it: they fire ~250 a second.
        while waiting_due(session, cases) < TOP_UP // 2:
            top_up()
            assert time.monotonic() < deadline, "the kill rounds took too long"
        slot = rng.randrange(len(workers))
        os.kill(workers[slot].pid or 0, signal.SIGKILL)
        workers[slot].join(timeout=10)
        # Nothing is added between the kill and this count, so work left now was there when it died.
        kills_with_work_left += waiting_due(session, cases) > 0
        assert workers[slot].exitcode == -signal.SIGKILL
        workers[slot] = start()
        assert time.monotonic() < deadline, "the kill rounds took too long"
    for worker in workers:
        os.kill(worker.pid or 0, signal.SIGKILL)
        worker.join(timeout=10)
    fired_while_killing = len(cases) - waiting_due(session, cases)
    print(f"{KILLS} kills, {fired_while_killing} of {len(cases)} timers fired meanwhile")

    # A restarted worker (the real command) finishes what the killed ones left.
    while waiting_due(session, cases):
        done = subprocess.run([sys.executable, "-c", "from webui.cli import main; main()", "--db", db.url,
                               "worker", "--once"],
                              capture_output=True, text=True, timeout=180, check=False)
        assert done.returncode == 0, done.stderr

    assert kills_with_work_left == KILLS
    assert fired_while_killing > KILLS // 2, fired_while_killing  # the killed workers made progress
    _assert_fired_exactly_once(session, cases)


def _assert_fired_exactly_once(session: Session, cases: list[int]) -> None:
    states = dict(session.execute(select(Timer.state, func.count()).where(Timer.case_id.in_(cases))
                                  .group_by(Timer.state)).all())
    assert states == {"fired": len(cases)}
    follow_ups = dict(session.execute(
        select(Task.case_id, func.count()).where(Task.case_id.in_(cases), Task.element_id == "follow_up_overdue")
        .group_by(Task.case_id)).all())
    assert set(follow_ups) == set(cases)
    assert set(follow_ups.values()) == {1}
    assert count_events(session, "escalated") == len(cases)
    for case_id in cases[:: max(len(cases) // 25, 1)]:
        assert count_events(session, "escalated", case_id=case_id) == 1
        assert projection_problems(session, case_id) == []
