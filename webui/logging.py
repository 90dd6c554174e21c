"""Structured logs: one JSON object a line, for the web processes and the workers alike.

`configure_logging()` is the one logger configuration; `init_request_logging(app)` adds a request id
to every request (taken from X-Request-Id when the proxy sends a sane one) and logs one line per
request with the user, route, status and duration.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import IO, Any

from flask import Flask, Response, g, request

LOGGER = "onestop"
# Attributes every LogRecord has; anything else was passed in `extra=` and goes into the JSON line.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", ...extra}`; exceptions as one `exc` string."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(stream: IO[str] | None = None, level: str | None = None) -> logging.Logger:
    """Send the `onestop` loggers to `stream` (stderr) as JSON lines; safe to call more than once.

    ONESTOP_LOG_LEVEL sets the level (default INFO)."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if getattr(h, "onestop", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.onestop = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level or os.environ.get("ONESTOP_LOG_LEVEL", "INFO").upper())
    logger.propagate = False
    return logger


def request_id() -> str | None:
    """The id of the current request (also sent back as the X-Request-Id header)."""
    return g.get("request_id")


def init_request_logging(app: Flask) -> None:
    """One `onestop.request` line per request: id, method, route, path, status, duration, user."""
    log = logging.getLogger(f"{LOGGER}.request")

    @app.before_request
    def start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        duration = time.perf_counter() - g.get("request_started", time.perf_counter())
        g.request_duration = duration
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.endpoint != "static":
            log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "request_id": g.get("request_id"), "method": request.method,
                "route": request.url_rule.rule if request.url_rule else None, "endpoint": request.endpoint,
                "path": request.path, "status": response.status_code,
                "duration_ms": round(duration * 1000, 2), "user": _username(),
                "remote": request.remote_addr})
        return response


def _username() -> str | None:
    """The logged-in user if the request loaded one; never a database query just for the log."""
    user = g.get("_login_user")
    return getattr(user, "username", None)
