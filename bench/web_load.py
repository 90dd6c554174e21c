"""The server and the load generator of bench/web.py: gunicorn on 127.0.0.1, wrk or keep-alive threads."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
VIEWS = {
    "inbox": "/inbox",
    "inbox, next page": None,  # the first page's cursor
    "overdue": "/inbox?due=overdue",
    "one office": "/inbox?group=office_03",
    "mine": "/inbox?scope=mine",
    "category + text": "/inbox?category=pothole&q=storgatan",
}
NO_MATCH = "/inbox?q=no-such-words"


@dataclass(frozen=True)
class LoadResult:
    tool: str
    rps: float
    errors: int
    requests: int = 0
    cpu_ms_per_request: float = 0.0  # of the gunicorn workers and their PostgreSQL backends


@dataclass(frozen=True)
class Served:
    """A running bench server: its base URL and the processes whose CPU time a request costs."""

    base: str
    master_pid: int
    backend_pids: Callable[[], list[int]]  # the PostgreSQL backends of the app's connections

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the gunicorn workers and the app's PostgreSQL backends."""
        return sum(_cpu_seconds(pid) for pid in [*_children(self.master_pid), *self.backend_pids()])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(database_url: str, workers: int, threads: int, backend_pids: Callable[[], list[int]]) -> Iterator[Served]:
    """gunicorn serving bench_app() on a free local port; stopped (by its pid) on exit."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--pythonpath", str(ROOT), "--chdir", str(ROOT),
               "-w", str(workers), "-k", "gthread", "--threads", str(threads), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "bench.web:bench_app()"]
    process = subprocess.Popen(command, env={**_env(), "ONESTOP_BENCH_DB": database_url})
    try:
        _wait_until_up(port, process)
        yield Served(f"http://127.0.0.1:{port}", process.pid, backend_pids)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "ONESTOP_DATABASE_URL"}


def _wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            status, _, _ = request(f"http://127.0.0.1:{port}", "/healthz")
            if status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def request(base: str, path: str, *, cookie: str = "", method: str = "GET", body: str | None = None,
            connection: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base)
    conn = connection or http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def log_in(base: str, username: str, password: str) -> str:
    """The session cookie of `username`, logged in through the real form (CSRF token included)."""
    _, headers, page = request(base, "/login")
    cookie = headers.get("set-cookie", "").split(";")[0]
    match = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on /login"
    form = urlencode({"username": username, "password": password, "csrf_token": match.group(1).decode()})
    status, headers, _ = request(base, "/login", cookie=cookie, method="POST", body=form)
    assert status == 302, f"login failed with {status}"
    return headers.get("set-cookie", cookie).split(";")[0]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def latencies(base: str, cookie: str, *, requests: int) -> dict[str, object]:
    """Milliseconds per inbox request, one client after the other, for each view (keep-alive)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    _, _, first = request(base, "/inbox", cookie=cookie, connection=conn)
    cursor = re.search(rb'[?&]after=([^&"]+)', first)
    views = {name: path or (f"/inbox?after={cursor.group(1).decode()}" if cursor else "/inbox")
             for name, path in VIEWS.items()}
    per_view = max(requests // len(views), 5)
    results: dict[str, dict[str, float]] = {}
    every: list[float] = []
    for name, path in views.items():
        times = _timed(base, cookie, path, per_view, conn)
        every += times
        results[name] = _stats(times)
    no_match = _stats(_timed(base, cookie, NO_MATCH, 10, conn))
    conn.close()
    return {"views": results, "p50": round(percentile(every, 0.5), 1), "p95": round(percentile(every, 0.95), 1),
            "search_without_match": no_match}


def _timed(base: str, cookie: str, path: str, count: int, conn: http.client.HTTPConnection) -> list[float]:
    for _ in range(3):  # warm up
        request(base, path, cookie=cookie, connection=conn)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _, _ = request(base, path, cookie=cookie, connection=conn)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, f"{path} answered {status}"
    return times


def _stats(times: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(times, 0.5), 1), "p95": round(percentile(times, 0.95), 1),
            "max": round(max(times), 1)}


def throughput(served: Served, cookie: str, seconds: float, connections: int) -> tuple[LoadResult, LoadResult]:
    """Requests per second of /bench/hello and of /inbox, measured the same way, one after the other,
    with the server's CPU time per request (which a loaded shared machine distorts far less)."""
    measure = _wrk if shutil.which("wrk") else _threads
    measure(served.base, "/bench/hello", cookie, 1.0, connections)  # warm up both
    measure(served.base, "/inbox", cookie, 1.0, connections)
    results = []
    for path in ("/bench/hello", "/inbox"):
        before = served.cpu_seconds()
        result = measure(served.base, path, cookie, seconds, connections)
        spent = served.cpu_seconds() - before
        results.append(replace(result, cpu_ms_per_request=round(spent * 1000 / max(result.requests, 1), 2)))
    return results[0], results[1]


def _wrk(base: str, path: str, cookie: str, seconds: float, connections: int) -> LoadResult:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "-H", f"Cookie: {cookie}",
               f"{base}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    done = re.search(r"(\d+) requests in", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    broken = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", output)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(n) for n in broken.groups()) if broken else 0)
    return LoadResult("wrk", float(rps.group(1)) if rps else 0.0, errors, int(done.group(1)) if done else 0)


def _threads(base: str, path: str, cookie: str, seconds: float, connections: int) -> LoadResult:
    deadline = time.monotonic() + seconds
    done, errors = [0] * connections, [0] * connections
    parts = urlsplit(base)

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        while time.monotonic() < deadline:
            status, _, _ = request(base, path, cookie=cookie, connection=conn)
            done[slot] += 1
            errors[slot] += status != 200
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(slot,)) for slot in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return LoadResult("python threads", sum(done) / (time.monotonic() - started), sum(errors), sum(done))
