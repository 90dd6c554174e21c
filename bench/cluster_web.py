"""The web half of bench/cluster.py: gunicorn with N processes, and a load generator of threads that
each run whole cases through the REST API (start a case, complete its intake) against 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INTAKE = {"channel": "phone", "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
          "category": "pothole", "description": "Hole in Storgatan", "resolved_on_first_contact": False}
WARMUP = 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(port: int, method: str, path: str, api_key: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw.startswith(b"{") else None
    finally:
        connection.close()


def one_case(port: int, api_key: str) -> bool:
    status, case = call(port, "POST", "/api/cases", api_key, {"process_key": "citizen_request",
                                                              "data": {"channel": "phone"}})
    if status != 201:
        return False
    task_id = case["open_tasks"][0]["id"]
    status, _ = call(port, "POST", f"/api/tasks/{task_id}/complete", api_key, {"data": INTAKE})
    return status == 200


class Load(threading.Thread):
    def __init__(self, port: int, api_key: str, measure_from: float, until: float):
        super().__init__(daemon=True)
        self.port, self.api_key, self.measure_from, self.until = port, api_key, measure_from, until
        self.latencies: list[float] = []
        self.errors = 0

    def run(self) -> None:
        while (started := time.perf_counter()) < self.until:
            try:
                ok = one_case(self.port, self.api_key)
            except OSError:
                ok = False
            if started >= self.measure_from:
                if ok:
                    self.latencies.append(time.perf_counter() - started)
                else:
                    self.errors += 1


def start_gunicorn(url: str, processes: int, port: int, metrics_dir: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ONESTOP_DATABASE_URL": url, "ONESTOP_SECRET_KEY": "bench", "ONESTOP_LOG_LEVEL": "WARNING",
           "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-w", str(processes),
               "-b", f"127.0.0.1:{port}", "webui.app:create_app()"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/healthz", "")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def web_throughput(url: str, api_key: str, processes: int, seconds: float, threads: int) -> dict[str, Any]:
    """Cases per second (each: start + complete intake) through gunicorn -w `processes`."""
    port, metrics_dir = free_port(), tempfile.mkdtemp(prefix="onestop-bench-metrics-")
    server = start_gunicorn(url, processes, port, metrics_dir)
    try:
        begin = time.perf_counter()
        load = [Load(port, api_key, begin + WARMUP, begin + WARMUP + seconds) for _ in range(threads)]
        for thread in load:
            thread.start()
        for thread in load:
            thread.join(timeout=seconds + 120)
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    latencies = sorted(x for thread in load for x in thread.latencies)
    p95 = latencies[int(len(latencies) * 0.95)] if latencies else 0.0
    return {"processes": processes, "threads": threads, "seconds": seconds, "cases": len(latencies),
            "cases_per_second": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
            "p95_ms": round(p95 * 1000), "errors": sum(t.errors for t in load)}
