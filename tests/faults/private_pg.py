"""A PostgreSQL server of the test's own, to restart at will: the shared server on 5432 is never touched.

initdb into a temporary folder, trust authentication, a free port on 127.0.0.1 and a socket in the
folder; as root everything runs as the `postgres` OS user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


class NoPostgres(Exception):
    """The PostgreSQL server binaries (or the postgres OS user, as root) are not on this machine."""


@dataclass
class PrivatePostgres:
    folder: Path
    port: int
    command_prefix: list[str]
    bindir: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        command = [*self.command_prefix, f"{self.bindir}/pg_ctl", "-D", str(self.folder / "data"), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-w", "-l", str(self.folder / "server.log"), "-o", options, "start")

    def restart(self) -> None:
        """A fast restart: sessions are cut, open transactions rolled back, committed ones kept."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self.pg_ctl("-w", "-m", "fast", "-l", str(self.folder / "server.log"), "-o", options, "restart")

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise NoPostgres("no /usr/lib/postgresql/*/bin/initdb")
    return os.path.dirname(found[-1])


def _run_as() -> tuple[list[str], int | None, int | None]:
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError as err:
        raise NoPostgres("running as root and there is no postgres OS user") from err
    if not shutil.which("runuser"):
        raise NoPostgres("running as root and runuser is missing")
    return ["runuser", "-u", "postgres", "--"], user.pw_uid, user.pw_gid


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running server of our own; stopped and deleted afterwards, whatever happened."""
    bindir = _bindir()
    prefix, uid, gid = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="onestop-pg-"))
    if uid is not None and gid is not None:
        os.chown(folder, uid, gid)
    server = PrivatePostgres(folder, _free_port(), prefix, bindir)
    try:
        subprocess.run([*prefix, f"{bindir}/initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, timeout=120)
        server.start()
        yield server
    finally:
        with suppress(subprocess.SubprocessError, OSError):
            server.pg_ctl("-m", "immediate", "stop", timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
