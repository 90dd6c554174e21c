"""`/healthz` for load balancers and `/metrics` for Prometheus.

The deployment-wide figures (cases, open tasks, due timers, the outbox backlog) are read from the
database at scrape time, so any web process answers for the whole cluster. Only the step latency is
measured in the process: under gunicorn set PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py does)
and every worker's observations are summed into one answer.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import OperationalError

from processes.db import DatabaseUnavailable
from processes.monitoring import ClusterFigures, check_health, cluster_figures
from processes.unit import Database

bp = Blueprint("monitoring", __name__)
log = logging.getLogger("onestop.monitoring")

# Requests that step a case (complete a task, or start a case and run it to its first wait).
STEP_ENDPOINTS = {
    "tasks.complete": "complete", "api.complete_task": "complete",
    "intake.register": "start", "api.create_case": "start", "portal.submit": "start",
    "open311.create_request": "start",
}
STEP_SECONDS = Histogram("onestop_step_duration_seconds", "Time to answer a request that steps a case",
                         ["kind", "outcome"], registry=None,
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REQUESTS = Counter("onestop_http_requests", "HTTP requests answered", ["method", "status"], registry=None)


class DatabaseCollector(Collector):
    """Figures read from the database when Prometheus scrapes."""

    def __init__(self, database: Database):
        self.database = database

    def collect(self) -> Iterator[Metric]:
        try:
            figures = self.database.run(cluster_figures)
        except (DatabaseUnavailable, OperationalError) as err:
            log.warning("metrics: database unavailable", extra={"error": str(err)})
            yield GaugeMetricFamily("onestop_database_up", "Whether the database answered the scrape", 0)
            return
        yield GaugeMetricFamily("onestop_database_up", "Whether the database answered the scrape", 1)
        yield from _case_metrics(figures)
        yield from _work_metrics(figures)


def _case_metrics(figures: ClusterFigures) -> Iterator[Metric]:
    started = CounterMetricFamily("onestop_cases_started", "Cases started", labels=["process"])
    completed = CounterMetricFamily("onestop_cases_completed", "Cases that reached their end",
                                    labels=["process"])
    by_status = GaugeMetricFamily("onestop_cases", "Cases by status", labels=["process", "status"])
    per_process: dict[str, int] = {}
    for (key, status), count in sorted(figures.cases.items()):
        per_process[key] = per_process.get(key, 0) + count
        by_status.add_metric([key, status], count)
    for key, count in sorted(per_process.items()):
        started.add_metric([key], count)
        completed.add_metric([key], figures.cases.get((key, "closed"), 0))
    yield from (started, completed, by_status)
    yield CounterMetricFamily("onestop_tasks_completed", "User tasks completed", figures.tasks_completed)
    yield GaugeMetricFamily("onestop_cases_stuck", "Open cases that can neither move nor wait on anything",
                            figures.stuck_cases)


def _work_metrics(figures: ClusterFigures) -> Iterator[Metric]:
    open_tasks = GaugeMetricFamily("onestop_open_tasks", "Open user tasks by candidate group", labels=["group"])
    for group, count in sorted(figures.open_tasks.items()):
        open_tasks.add_metric([group], count)
    yield open_tasks
    yield GaugeMetricFamily("onestop_due_timers", "Timers due and not fired yet", figures.due_timers)
    yield GaugeMetricFamily("onestop_waiting_timers", "Timers waiting (due or not)", figures.waiting_timers)
    yield GaugeMetricFamily("onestop_failed_timers", "Timers whose case step failed, in open cases (not retried)",
                            figures.failed_timers)
    yield GaugeMetricFamily("onestop_oldest_due_timer_seconds", "How late the oldest unfired due timer is",
                            figures.oldest_due_timer_seconds)
    backlog = GaugeMetricFamily("onestop_outbox_backlog", "Notifications not sent yet, by state", labels=["state"])
    for state in ("pending", "sending", "failed"):
        backlog.add_metric([state], figures.outbox.get(state, 0))
    yield backlog


def _registry(database: Database) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # the observations of every gunicorn worker
    else:
        registry.register(STEP_SECONDS)
        registry.register(REQUESTS)
    registry.register(DatabaseCollector(database))
    return registry


def _metrics_allowed() -> bool:
    """With ONESTOP_METRICS_TOKEN set, a matching bearer token; without it, loopback clients only."""
    token = os.environ.get("ONESTOP_METRICS_TOKEN")
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent.encode(), token.encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/healthz")
def healthz() -> Any:
    health = check_health(current_app.extensions["onestop.db"])
    if not health.ok:
        log.warning("health check failed", extra={"database": health.database, "detail": health.detail,
                                                  "revision": health.revision, "expected": health.expected})
    body = {"status": health.status, "database": health.database, "revision": health.revision,
            "expected_revision": health.expected}
    return body, 200 if health.ok else 503


@bp.get("/metrics")
def metrics() -> Any:
    if not _metrics_allowed():
        return {"error": "metrics are for the monitoring system", "status": 403}, 403
    output = generate_latest(_registry(current_app.extensions["onestop.db"]))
    return Response(output, mimetype=CONTENT_TYPE_LATEST)


def init_metrics(app: Flask) -> None:
    """Count every answered request and time the requests that step a case."""
    app.register_blueprint(bp)

    @app.after_request
    def observe(response: Response) -> Response:
        REQUESTS.labels(request.method, str(response.status_code)).inc()
        kind = STEP_ENDPOINTS.get(request.endpoint or "")
        started = g.get("request_started")
        if kind and request.method == "POST" and started is not None:
            STEP_SECONDS.labels(kind, f"{response.status_code // 100}xx").observe(time.perf_counter() - started)
        return response
