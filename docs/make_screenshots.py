"""Take the README screenshots: inbox, task page, intake and case view, 1280x800 PNGs in docs/screenshots/.

    .venv/bin/python docs/make_screenshots.py

Builds a fresh SQLite demo database with the `onestop` CLI, serves it with `onestop serve` on a free
port, and drives Debian's Chromium (/usr/bin/chromium, or $ONESTOP_CHROMIUM) with Playwright.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ONESTOP = str(Path(sys.executable).with_name("onestop"))
CHROMIUM = os.environ.get("ONESTOP_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}


def cli(db: str, *args: str) -> str:
    done = subprocess.run([ONESTOP, "--db", db, *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(db: str) -> Iterator[str]:
    """`onestop serve` on a free port until the block ends."""
    port = free_port()
    server = subprocess.Popen([ONESTOP, "--db", db, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("onestop serve did not answer on /healthz")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def officer_task(db: str) -> dict[str, Any]:
    """A 'Handle request' task of the officer's office, preferably one the officer already works on."""
    rows = json.loads(cli(db, "tasks", "--group", "streets_parks", "--json"))
    handling = [t for t in rows if t["element_id"] == "handle_request"]
    if not handling:
        raise SystemExit("the demo data has no open 'Handle request' task for streets_parks")
    return next((t for t in handling if t["assignee"] == "officer"), handling[0])


def log_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def shoot(page: Page, base: str, path: str, name: str, ready: str | None = None) -> Path:
    """Open `path`, wait until `ready` is there, save docs/screenshots/NAME.png."""
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=15_000)
    page.wait_for_timeout(300)
    target = OUT / f"{name}.png"
    page.screenshot(path=str(target))
    return target


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="onestop-shots-") as tmp:
        db = f"sqlite:///{tmp}/demo.db"
        cli(db, "db", "upgrade")
        cli(db, "deploy", "bpmn/")
        cli(db, "demo")
        task = officer_task(db)
        with served(db) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport=VIEWPORT, locale="en-GB")
            log_in(page, base, "officer")
            shots = [
                shoot(page, base, "/inbox", "inbox"),
                shoot(page, base, f"/tasks/{task['id']}", "task", ready=".fjs-container"),
                shoot(page, base, f"/cases/{task['case_id']}", "case", ready="#case-diagram[data-ready]"),
            ]
            log_in(page, base, "csu")
            shots.append(shoot(page, base, "/intake", "intake", ready="#intake-form"))
            browser.close()
    for shot in shots:
        print(shot.relative_to(ROOT))


if __name__ == "__main__":
    main()
