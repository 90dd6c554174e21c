"""Browser tests: the real app served on a local port, driven in Debian's Chromium.

No `playwright install`: Playwright launches /usr/bin/chromium. Without Chromium the tests are
skipped on a developer machine and fail under CI=true.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page
from werkzeug.serving import make_server

from processes.db import upgrade
from processes.demo import seed_articles, seed_people
from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.unit import Database
from webui.app import create_app

CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "webui" / "static" / "dist" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " - CI=true: browser tests must run", pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"],
    }


@pytest.fixture(scope="session")
def live_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    upgrade(url)
    database = Database(url)

    def seed(session: Any) -> None:
        seed_people(session)
        seed_articles(session)
        files, _ = read_process_files([ROOT / "bpmn"])
        deploy_version(session, None, files)

    database.run(seed)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def live_server(live_db: Database) -> Iterator[str]:
    """The base URL of the app, served from a thread for the whole session."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci && npm run build)", pytrace=False)
    # Map tiles from this server (they 404: the tests send no traffic off the machine, and need none).
    app = create_app({"DATABASE_URL": live_db.url, "SECRET_KEY": "browser-tests", "RATELIMIT_ENABLED": False,
                      "ONESTOP_MAP_TILES": "/test-tiles/{z}/{x}/{y}.png"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def log_in(page: Page, base_url: str, username: str, password: str = "demo") -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations axe-core finds on the current page."""
    # Loaded from the app like its own scripts: the CSP refuses an inline copy.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    page.add_script_tag(url=f"{origin}/static/dist/axe.min.js")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in impacts
    ]


# Registered before any page script runs (Playwright injects it past the CSP): every violation is kept.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
"""


class PageProblems:
    """Console errors and Content-Security-Policy violations of a page, from `watch(page)` on."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def csp_violations(self) -> list[str]:
        """The violations the current document saw (the list starts again with each page load)."""
        return list(self.page.evaluate("window.__cspViolations || []"))


@pytest.fixture
def problems(page: Page) -> PageProblems:
    return PageProblems(page)
