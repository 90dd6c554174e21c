"""Take the README screenshots in English and Swedish: inbox, task page, case view, intake, dashboard and the
citizens' portal, 1280x800 PNGs in docs/screenshots/ (NAME.en.png, NAME.sv.png).

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

from playwright.sync_api import Browser, Page, sync_playwright

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
    # No map tiles: the machine that takes the pictures may have no way out to a tile server.
    server = subprocess.Popen([ONESTOP, "--db", db, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "ONESTOP_MAP_TILES": ""})
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


def log_in(page: Page, base: str, username: str, language: str) -> None:
    """Log in and, where the person's saved language is another, switch with the header's button."""
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    switch = page.locator(f"form.language button[lang={language}]")
    if switch.count():
        switch.click()
        page.wait_for_load_state("networkidle")


def shoot(page: Page, base: str, path: str, name: str, language: str, ready: str | None = None) -> Path:
    """Open `path`, wait until `ready` is there, save docs/screenshots/NAME.LANGUAGE.png."""
    page.goto(f"{base}{path}")
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready, state="attached", timeout=15_000)
    page.wait_for_timeout(300)
    target = OUT / f"{name}.{language}.png"
    page.screenshot(path=str(target))
    return target


def modeler(page: Page, base: str, language: str) -> Path:
    """The analyst's BPMN editor on a draft of the citizen request, a user task selected."""
    page.goto(f"{base}/modeler/citizen_request")
    new_draft = page.locator("main form button[type=submit]")
    if not page.locator("#os-canvas").count() and new_draft.count():
        new_draft.click()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready", timeout=15_000)
    page.evaluate("""() => { const m = window.onestopEditor.modeler;
        m.get('selection').select(m.get('elementRegistry').get('handle_request')); }""")
    page.wait_for_timeout(500)
    target = OUT / f"modeler.{language}.png"
    page.screenshot(path=str(target))
    return target


def pictures(browser: Browser, base: str, task: dict[str, Any], language: str) -> list[Path]:
    """Every picture in one language: the browser asks for it, as a person's browser would."""
    context = browser.new_context(viewport=VIEWPORT, locale=language, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    log_in(page, base, "officer", language)
    shots = [
        shoot(page, base, "/inbox", "inbox", language),
        shoot(page, base, f"/tasks/{task['id']}", "task", language, ready=".fjs-container"),
        shoot(page, base, f"/cases/{task['case_id']}", "case", language, ready="#case-diagram[data-ready]"),
    ]
    log_in(page, base, "csu", language)
    shots.append(shoot(page, base, "/intake", "intake", language, ready="#intake-form"))
    log_in(page, base, "manager", language)
    shots.append(shoot(page, base, "/dashboard", "dashboard", language, ready="canvas"))
    log_in(page, base, "analyst", language)
    shots.append(modeler(page, base, language))
    page.context.clear_cookies()
    shots.append(shoot(page, base, "/portal", "portal", language))
    context.close()
    return shots


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
            shots = [shot for language in ("en", "sv") for shot in pictures(browser, base, task, language)]
            browser.close()
    for shot in shots:
        print(shot.relative_to(ROOT))


if __name__ == "__main__":
    main()
