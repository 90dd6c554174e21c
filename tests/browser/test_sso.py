"""Issue 13 in the browser: "Log in with Kommun-ID" on the login page, the provider's own login form
(a real OpenID Connect provider on a local port), and back in OneStop with the groups of the claim,
all under the Content-Security-Policy. "Log out" ends the session at the provider too: its end-session
page, then back on OneStop's login page."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
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


def sso_log_in(page: Page, sso_server: str, sub: str) -> None:
    page.goto(f"{sso_server}/login")
    page.get_by_role("button", name="Log in with Kommun-ID").click()
    page.get_by_placeholder("sub").fill(sub)  # the provider's own page
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()


def test_an_officer_logs_in_through_the_identity_provider(
    page: Page, sso_server: str, provider: Provider, problems: PageProblems
) -> None:
    provider.set_user("sso-officer-1", preferred_username="tove", name="Tove Lind", groups=["streets"])
    page.goto(f"{sso_server}/login")
    assert axe_violations(page) == []
    sso_log_in(page, sso_server, "sso-officer-1")
    expect(page.get_by_role("link", name="Tove Lind")).to_be_visible()
    assert problems.csp_violations() == []


def test_logging_out_ends_the_session_at_the_identity_provider_too(
    page: Page, browser: Browser, sso_server: str, provider: Provider, problems: PageProblems
) -> None:
    provider.set_user("sso-officer-2", preferred_username="ulla", name="Ulla Berg", groups=["streets"])
    sso_log_in(page, sso_server, "sso-officer-2")
    before = [cookie for cookie in page.context.cookies() if cookie["name"] == "session"]
    assert before

    # The logout form posts to OneStop, which redirects to the provider: form-action must allow it.
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()  # the provider's own page
    assert page.url.startswith(f"{provider.issuer}/oauth2/end_session?")
    assert "id_token_hint=" in page.url and "post_logout_redirect_uri=" in page.url
    page.get_by_role("button", name="End session").click()

    expect(page.get_by_role("heading", name="Log in to OneStop")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    assert re.match(rf"{re.escape(sso_server)}/login\?state=", page.url)
    assert problems.csp_violations() == []
    assert [e for e in problems.console_errors if "Content Security Policy" in e] == []
    assert axe_violations(page) == []

    # The cookie from before the logout is refused, as after any logout.
    thief = browser.new_context()
    try:
        thief.add_cookies(before)  # type: ignore[arg-type]
        stolen = thief.new_page()
        stolen.goto(f"{sso_server}/inbox")
        expect(stolen.get_by_role("heading", name="Log in to OneStop")).to_be_visible()
    finally:
        thief.close()


def test_local_accounts_still_log_in_beside_single_sign_on(page: Page, sso_server: str) -> None:
    log_in(page, sso_server, "officer")
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
