"""Issue 13 in the browser: "Log in with Kommun-ID" on the login page, the provider's own login form
(a real OpenID Connect provider on a local port), and back in OneStop with the groups of the claim,
all under the Content-Security-Policy."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from processes.unit import Database
from tests.oidc_provider import Provider, running_provider
from webui.app import create_app

from .conftest import PageProblems, axe_violations, log_in


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_server(live_db: Database, provider: Provider) -> Iterator[str]:
    """The app with single sign-on through `provider`, on the browser tests' database."""
    app = create_app({
        "DATABASE_URL": live_db.url, "SECRET_KEY": "browser-sso", "ONESTOP_OIDC_ISSUER": provider.issuer,
        "ONESTOP_OIDC_CLIENT_ID": "onestop", "ONESTOP_OIDC_CLIENT_SECRET": "s3cret",
        "ONESTOP_OIDC_NAME": "Kommun-ID",
        "ONESTOP_OIDC_GROUP_MAP": json.dumps({"streets": ["role:officer", "group:streets_parks"]}),
    })
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_an_officer_logs_in_through_the_identity_provider(
    page: Page, sso_server: str, provider: Provider, problems: PageProblems
) -> None:
    provider.set_user("sso-officer-1", preferred_username="tove", name="Tove Lind", groups=["streets"])
    page.goto(f"{sso_server}/login")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Log in with Kommun-ID").click()

    page.get_by_placeholder("sub").fill("sso-officer-1")  # the provider's own page
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Tove Lind")).to_be_visible()
    assert problems.csp_violations() == []
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to OneStop")).to_be_visible()


def test_local_accounts_still_log_in_beside_single_sign_on(page: Page, sso_server: str) -> None:
    log_in(page, sso_server, "officer")
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
