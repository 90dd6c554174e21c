"""The disk under a SQLite database fills up: a step that cannot be written is refused with a clear
message (503 on the web, one line and exit 1 on the command line), nothing of it is kept, the database
stays intact, and once space is freed the same step goes through.

A real full disk: the database lives on a small tmpfs mounted for the test (root only, as on CI) and a
file fills it to the last page. Not simulated with `PRAGMA max_page_count`, which would stop SQLite's
own file from growing but not its write-ahead log, where a full disk first shows.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_setup import INTAKE, intake_task, projection_problems
from flask.testing import FlaskClient
from sqlalchemy import func, select

from processes.db import upgrade
from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.models import Case, Event, Task
from processes.unit import Database
from tests.conftest import BPMN_DIR, OFFICES, create_user
from webui.app import create_app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 32 MB tmpfs of its own."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs for the full disk: {mounted.stderr.strip()}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: this fault test must run)")
        pytest.skip(reason)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has not one page left; the log of the database is emptied first, so
    the next write needs new space (a log that had grown before would be written over in place)."""
    with sqlite3.connect(disk / "onestop.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (b"\0" * (1 << 20), b"\0" * 4096, b"\0"):
            while True:
                try:
                    os.write(descriptor, chunk)
                except OSError as err:
                    assert err.errno == errno.ENOSPC
                    break
    finally:
        os.close(descriptor)
    return filler


def integrity(disk: Path) -> str:
    with sqlite3.connect(disk / "onestop.db") as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def counts(database: Database) -> dict[str, int]:
    with database.sessions() as session:
        return {model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Case, Task, Event)}


def test_a_full_disk_refuses_the_step_clearly_keeps_nothing_of_it_and_the_step_goes_through_later(
    small_disk: Path,
) -> None:
    url = f"sqlite:///{small_disk / 'onestop.db'}"
    upgrade(url)
    database = Database(url)
    with database.sessions() as session:
        csu = create_user(session, "csu", ["csu_agent"], ("csu",))
        admin = create_user(session, "admin", ["admin"])
        for office in OFFICES:
            create_user(session, f"{office}_officer", ["officer"], (office,))
        deploy_version(session, admin, read_process_files([BPMN_DIR])[0])
        session.commit()
        task_id = intake_task(session, csu)
        session.commit()
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "t", "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    client: FlaskClient = app.test_client()
    assert client.post("/login", data={"username": "csu", "password": "pw"}).status_code == 302
    before = counts(database)

    filler = fill(small_disk)

    refused = client.post(f"/tasks/{task_id}", data={"payload": json.dumps(INTAKE)},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 503
    assert refused.get_json()["error"] == ("The database's disk is full, so nothing was saved. "
                                           "Ask the administrator to free some space, then try again.")
    cli = subprocess.run([sys.executable, "-c", "from webui.cli import main; main()", "--db", url,
                          "start", "citizen_request", "--data", '{"channel": "phone"}'],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert cli.returncode == 1
    assert cli.stderr.splitlines() == [f"error: database unavailable at {url}: its disk is full, so nothing was "
                                       "saved; free some space and try again"]
    assert integrity(small_disk) == "ok"
    assert counts(database) == before
    with database.sessions() as session:
        intake = session.get(Task, task_id)
        assert intake is not None and intake.status == "open"

    filler.unlink()

    assert client.post(f"/tasks/{task_id}", data={"payload": json.dumps(INTAKE)}).status_code == 302
    assert integrity(small_disk) == "ok"
    with database.sessions() as session:
        intake = session.get(Task, task_id)
        assert intake is not None and intake.status == "completed"
        assert projection_problems(session, intake.case_id) == []
    database.dispose()
    app.extensions["onestop.db"].dispose()
