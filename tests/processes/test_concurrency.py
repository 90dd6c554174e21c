"""Two people complete the same task at the same moment: exactly one wins, the other is told who."""

from __future__ import annotations

import multiprocessing
import os

import pytest
from racers import race
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.load_copies import copy_case
from processes.models import Event, Task, User
from processes.unit import Database
from tests.citizen_data import INTAKE
from tests.conftest import create_user

# 1,000 rounds, the figure: about 30 s on 2 cores (the cases are copies of one, made in seconds).
ROUNDS = int(os.environ.get("ONESTOP_RACE_ROUNDS", "1000"))


pytestmark = pytest.mark.postgres


@pytest.fixture
def db(pg_db: Database) -> Database:
    """These races are about the scale-out deployment: PostgreSQL only."""
    return pg_db


@pytest.mark.usefixtures("deployed")
def test_two_processes_completing_the_same_task_have_one_winner_each_time(
    db: Database, session: Session, people: dict[str, User]
) -> None:
    create_user(session, "csu2", ["csu_agent"], ("csu",))
    template = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    cases = copy_case(session, template.id, ROUNDS, ref_prefix="RACE")  # each a case at its intake task
    task_ids = list(session.scalars(select(Task.id).where(Task.case_id.in_(cases)).order_by(Task.id)))
    session.commit()
    assert len(task_ids) == ROUNDS

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    racers = [context.Process(target=race, args=(db.url, name, task_ids, INTAKE, barrier, results))
              for name in ("csu", "csu2")]
    for racer in racers:
        racer.start()
    outcomes = dict(results.get(timeout=600) for _ in racers)
    for racer in racers:
        racer.join(timeout=30)
        assert racer.exitcode == 0

    names = {"csu": "Csu", "csu2": "Csu2"}
    for task_id in task_ids:
        pair = sorted([outcomes["csu"][task_id], outcomes["csu2"][task_id]])
        assert pair[1] == "won", (task_id, pair)
        assert pair[0] in (f"lost to {names['csu']}", f"lost to {names['csu2']}"), (task_id, pair)
    session.expire_all()
    completions = session.scalar(select(func.count()).select_from(Event)
                                 .where(Event.kind == "task_completed", Event.task_id.in_(task_ids)))
    assert completions == ROUNDS
    handle_requests = session.scalar(select(func.count()).select_from(Task)
                                     .where(Task.element_id == "handle_request", Task.status == "open"))
    assert handle_requests == ROUNDS
