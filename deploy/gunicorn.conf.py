"""gunicorn settings for OneStop's web processes: `gunicorn -c deploy/gunicorn.conf.py 'webui.app:create_app()'`.

Every setting can be overridden on the command line (-w, -b ...) or by the variables below.
"""

import os
import shutil
import tempfile

bind = os.environ.get("ONESTOP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("ONESTOP_WEB_WORKERS", "2"))
threads = int(os.environ.get("ONESTOP_WEB_THREADS", "1"))
timeout = 30
graceful_timeout = 20
# gunicorn's control socket sits at one path per user: two instances on one host would fight over it.
control_socket_disable = True
# Each request is logged by the app itself as one JSON line (webui/logging.py); gunicorn's access log
# would say the same twice. gunicorn's own messages go out as JSON lines too.
accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "webui.logging.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False}},
}

# The step-latency histogram lives in each worker process; prometheus_client's multiprocess mode sums
# them for /metrics. Its folder must be set before the workers import prometheus_client.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="onestop-metrics-")


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    """Start each run with an empty metrics folder (files of dead processes would be counted again)."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):  # noqa: ANN001, ANN201
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
