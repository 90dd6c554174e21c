"""Issue 13: single sign-on through an OpenID Connect provider started by the tests, beside local accounts.

The full authorization code flow over real HTTP: the app sends the browser to the provider, the
provider's login form sends it back with a code, the app exchanges the code at the provider's token
endpoint and checks the ID token (signature, issuer, audience, nonce) before it logs anyone in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from babel.messages.mofile import write_mo
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from processes.models import Membership, User
from processes.unit import Database
from tests.oidc_provider import Provider, running_provider
from webui.app import create_app
from webui.extensions import babel

from .conftest import csrf_token, login
from .test_i18n import swedish_catalog

GROUP_MAP = {
    "kc-staff": ["role:csu_agent", "group:csu"],
    "streets": ["role:officer", "group:streets_parks"],
    "streets-heads": ["role:manager", "manager:streets_parks"],
    "it-admins": ["role:admin"],
    "ghosts": ["role:officer", "group:no_such_group"],
}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def sso_config(issuer: str) -> dict[str, str]:
    return {"ONESTOP_OIDC_ISSUER": issuer, "ONESTOP_OIDC_CLIENT_ID": "onestop",
            "ONESTOP_OIDC_CLIENT_SECRET": "s3cret", "ONESTOP_OIDC_NAME": "Kommun-ID",
            "ONESTOP_OIDC_GROUP_MAP": json.dumps(GROUP_MAP)}


@pytest.fixture
def app(db: Database, deployed: None, provider: Provider) -> Iterator[Flask]:
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", **sso_config(provider.issuer)})
    yield app
    app.extensions["onestop.db"].dispose()


def start(client: FlaskClient) -> str:
    """Press "Log in with Kommun-ID": the provider's authorization URL the app redirects to."""
    response = client.post("/login/sso", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def back_to_app(client: FlaskClient, location: str) -> TestResponse:
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def sso_login(client: FlaskClient, provider: Provider, sub: str) -> TestResponse:
    return back_to_app(client, provider.authorize(start(client), sub))


def user_of(db: Database, sub: str) -> User | None:
    with db.sessions() as session:
        user = session.scalars(select(User).where(User.oidc_subject == sub)).first()
        if user is not None:
            session.expunge(user)
        return user


def groups_of(db: Database, sub: str) -> dict[str, bool]:
    with db.sessions() as session:
        user = session.scalars(select(User).where(User.oidc_subject == sub)).one()
        memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
        return {m.group.name: m.is_manager for m in memberships}


def test_the_login_page_offers_the_provider_beside_the_password(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "Log in with Kommun-ID" in page
    assert 'name="password"' in page


def test_without_an_issuer_there_is_no_single_sign_on(db: Database, deployed: None) -> None:
    plain = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test"})
    try:
        client = plain.test_client()
        assert "Log in with" not in client.get("/login").get_data(as_text=True)
        assert client.post("/login/sso", data={"csrf_token": csrf_token(client)}).status_code == 404
    finally:
        plain.extensions["onestop.db"].dispose()


def test_the_authorization_request_carries_state_nonce_and_pkce(client: FlaskClient, provider: Provider) -> None:
    location = start(client)
    assert location.startswith(f"{provider.issuer}/oauth2/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == ["onestop"] and query["response_type"] == ["code"]
    assert "openid" in query["scope"][0].split()
    assert query["redirect_uri"] == ["http://localhost/login/sso/callback"]
    assert query["state"][0] and query["nonce"][0] and query["code_challenge_method"] == ["S256"]
    assert query["ui_locales"] == ["en"]  # the provider's page in the reader's language, where it has it


def test_the_provider_is_asked_for_its_pages_in_the_readers_language(client: FlaskClient) -> None:
    response = client.post("/login/sso", data={"csrf_token": csrf_token(client)}, headers={"Accept-Language": "sv"})
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["ui_locales"] == ["sv"]


def test_the_first_login_creates_the_user_with_roles_and_groups_from_the_claim(
    client: FlaskClient, provider: Provider, db: Database
) -> None:
    provider.set_user("a1b2", preferred_username="Astrid.Holm", name="Astrid Holm", email="astrid@kommun.se",
                      groups=["streets", "streets-heads", "unmapped"])
    response = sso_login(client, provider, "a1b2")
    assert response.status_code == 302
    assert client.get("/inbox").status_code == 200
    user = user_of(db, "a1b2")
    assert user is not None
    assert (user.username, user.display_name, user.email) == ("astrid.holm", "Astrid Holm", "astrid@kommun.se")
    assert user.oidc_issuer == provider.issuer and user.password_hash is None
    assert user.roles == ["officer", "manager"]
    assert groups_of(db, "a1b2") == {"streets_parks": True}
    admin = client.application.test_client()
    login(admin, "admin")
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f"Logs in through single sign-on ({provider.issuer})" in page


def test_roles_and_groups_follow_the_claim_at_every_login(
    app: Flask, provider: Provider, db: Database
) -> None:
    provider.set_user("c3", preferred_username="cecilia", groups=["streets", "it-admins"])
    assert sso_login(app.test_client(), provider, "c3").status_code == 302
    assert groups_of(db, "c3") == {"streets_parks": False}
    provider.set_user("c3", preferred_username="cecilia", name="Cecilia Ek", groups=["kc-staff"])
    client = app.test_client()
    assert sso_login(client, provider, "c3").status_code == 302
    user = user_of(db, "c3")
    assert user is not None
    assert (user.username, user.display_name, user.roles) == ("cecilia", "Cecilia Ek", ["csu_agent"])
    assert groups_of(db, "c3") == {"csu": False}
    assert client.get("/admin").status_code == 403  # no longer an administrator


def test_a_single_string_claim_counts_as_one_value(client: FlaskClient, provider: Provider, db: Database) -> None:
    provider.set_user("d4", preferred_username="dan", groups="it-admins")
    assert sso_login(client, provider, "d4").status_code == 302
    user = user_of(db, "d4")
    assert user is not None and user.roles == ["admin"]


def test_a_user_whose_claim_maps_to_no_role_is_refused(client: FlaskClient, provider: Provider) -> None:
    provider.set_user("e5", preferred_username="erik", groups=["unmapped"])
    response = sso_login(client, provider, "e5")
    assert response.status_code == 403
    assert "Your account at Kommun-ID gives no access to OneStop." in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_a_mapped_group_missing_in_onestop_is_skipped(client: FlaskClient, provider: Provider, db: Database) -> None:
    provider.set_user("f6", preferred_username="frida", groups=["ghosts"])
    assert sso_login(client, provider, "f6").status_code == 302
    assert groups_of(db, "f6") == {}


def test_a_callback_with_another_state_is_refused(client: FlaskClient, provider: Provider, db: Database) -> None:
    provider.set_user("g7", preferred_username="gustav", groups=["streets"])
    back = urlsplit(provider.authorize(start(client), "g7"))
    query = parse_qs(back.query)
    query["state"] = ["forged-state"]
    response = client.get(f"{back.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "Login with Kommun-ID failed. Try again." in response.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302
    assert user_of(db, "g7") is None


def test_a_code_brought_back_to_another_browser_is_refused(app: Flask, provider: Provider, db: Database) -> None:
    """Login CSRF: an attacker's code pushed into a victim's browser has no state in the victim's session."""
    provider.set_user("h8", preferred_username="mallory", groups=["it-admins"])
    back = provider.authorize(start(app.test_client()), "h8")
    victim = app.test_client()
    assert back_to_app(victim, back).status_code == 400
    assert victim.get("/inbox").status_code == 302


@pytest.mark.parametrize("claim", [{"aud": "another-client"}, {"aud": "another-client", "azp": "onestop"},
                                   {"aud": ["another-client", "third"], "azp": "onestop"},
                                   {"iss": "http://127.0.0.1:9/evil"}])
def test_an_id_token_for_another_client_or_from_another_issuer_is_refused(
    client: FlaskClient, provider: Provider, db: Database, claim: dict[str, str]
) -> None:
    provider.set_user("i9", preferred_username="ivar", groups=["it-admins"], **claim)
    response = sso_login(client, provider, "i9")
    assert response.status_code == 400
    assert client.get("/admin").status_code == 302
    assert user_of(db, "i9") is None


def test_a_local_account_of_the_same_name_is_not_taken_over(
    client: FlaskClient, provider: Provider, db: Database
) -> None:
    provider.set_user("j10", preferred_username="admin", groups=["streets"])
    assert sso_login(client, provider, "j10").status_code == 302
    user = user_of(db, "j10")
    assert user is not None and user.username.startswith("admin-") and user.roles == ["officer"]
    other = client.application.test_client()
    login(other, "admin")  # the local administrator keeps its account and password
    assert other.get("/admin").status_code == 200


def test_a_single_sign_on_user_has_no_password_to_guess(client: FlaskClient, provider: Provider, db: Database) -> None:
    provider.set_user("k11", preferred_username="karin", groups=["streets"])
    assert sso_login(client, provider, "k11").status_code == 302
    other = client.application.test_client()
    response = other.post("/login", data={"username": "karin", "password": "", "csrf_token": csrf_token(other)})
    assert response.status_code == 401


def test_an_unreachable_provider_gets_a_clear_answer(db: Database, deployed: None) -> None:
    down = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test",
                       **sso_config("http://127.0.0.1:9")})  # nothing listens on the discard port
    try:
        client = down.test_client()
        response = client.post("/login/sso", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 502
        assert "Kommun-ID cannot be reached." in response.get_data(as_text=True)
    finally:
        down.extensions["onestop.db"].dispose()


def test_a_broken_group_map_stops_the_app_with_a_clear_message(db: Database) -> None:
    config = {**sso_config("https://id.example.se"), "ONESTOP_OIDC_GROUP_MAP": '{"x": ["role:wizard"]}'}
    with pytest.raises(ValueError, match="unknown role 'wizard'"):
        create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", **config})


# --- Logout ends the session at the provider too (RP-Initiated Logout 1.0) -----------------------------


def log_out(client: FlaskClient) -> TestResponse:
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})


def test_logout_ends_the_session_at_the_provider_and_comes_back_to_the_login_page(
    client: FlaskClient, provider: Provider
) -> None:
    provider.set_user("l12", preferred_username="lena", groups=["streets"])
    assert sso_login(client, provider, "l12").status_code == 302
    copied = client.get_cookie("session")
    assert copied is not None

    response = log_out(client)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{provider.issuer}/oauth2/end_session?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == ["onestop"]
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert len(query["state"][0]) >= 16
    assert query["ui_locales"] == ["en"]
    claims = provider.verify_id_token(query["id_token_hint"][0])  # signed by the provider, for our client
    assert (claims["sub"], claims["aud"], claims["iss"]) == ("l12", ["onestop"], provider.issuer)

    # The OneStop session ended before the browser left for the provider, in a copy of the cookie too.
    assert client.get("/inbox").status_code == 302
    thief = client.application.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/inbox").status_code == 302

    back = provider.end_session(location)  # the user confirms on the provider's page
    assert back.startswith("http://localhost/login?")
    assert parse_qs(urlsplit(back).query)["state"] == query["state"]
    page = back_to_app(client, back)
    assert page.status_code == 200
    assert "You are logged out." in page.get_data(as_text=True)
    assert "You are logged out." not in client.get("/login").get_data(as_text=True)  # once


def test_a_swedish_browser_is_told_in_swedish(db: Database, deployed: None, provider: Provider,
                                             tmp_path: Path) -> None:
    target = tmp_path / "sv" / "LC_MESSAGES"  # the catalog of the tree, not a stale .mo (test_i18n.py)
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, swedish_catalog())
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test",
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path), **sso_config(provider.issuer)})
    with app.app_context():
        cache = babel.domain_instance.get_translations_cache(None)
    cache.clear()
    try:
        client = app.test_client()
        provider.set_user("s19", preferred_username="sara", groups=["streets"])
        assert sso_login(client, provider, "s19").status_code == 302
        back = urlsplit(provider.end_session(log_out(client).headers["Location"]))
        page = client.get(f"{back.path}?{back.query}", headers={"Accept-Language": "sv-SE,sv;q=0.9"})
        assert "Du är utloggad." in page.get_data(as_text=True)
    finally:
        cache.clear()
        app.extensions["onestop.db"].dispose()


def test_a_return_with_another_state_shows_no_logout_message(client: FlaskClient, provider: Provider) -> None:
    provider.set_user("m13", preferred_username="maja", groups=["streets"])
    assert sso_login(client, provider, "m13").status_code == 302
    assert log_out(client).status_code == 302
    page = client.get("/login?state=forged").get_data(as_text=True)
    assert "You are logged out." not in page


def test_local_account_logout_is_unchanged_beside_single_sign_on(client: FlaskClient) -> None:
    login(client, "officer")
    response = log_out(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert client.get("/inbox").status_code == 302
    assert "You are logged out." not in client.get("/login").get_data(as_text=True)


def test_a_local_login_after_single_sign_on_logs_out_locally(client: FlaskClient, provider: Provider) -> None:
    """What the session kept of an SSO login belongs to that login, not to the next one in the browser."""
    provider.set_user("n14", preferred_username="nils", groups=["streets"])
    assert sso_login(client, provider, "n14").status_code == 302
    login(client, "officer")
    response = log_out(client)
    assert response.headers["Location"] == "/login"


def test_an_id_token_too_large_for_the_cookie_is_not_kept_and_the_client_id_alone_is_sent(
    client: FlaskClient, provider: Provider
) -> None:
    groups = ["streets", *(f"{n:08x}-5f1c-4a8e-9d3b-{n * 7919:012x}" for n in range(80))]  # Entra ID object ids
    provider.set_user("o15", preferred_username="oskar", groups=groups)
    assert sso_login(client, provider, "o15").status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None and len(cookie.value) < 4000
    query = parse_qs(urlsplit(log_out(client).headers["Location"]).query)
    assert "id_token_hint" not in query
    assert query["client_id"] == ["onestop"] and query["post_logout_redirect_uri"] == ["http://localhost/login"]


def test_another_worker_loads_the_providers_metadata_at_logout(
    app: Flask, db: Database, provider: Provider
) -> None:
    """The worker that answers the logout may not be the one that did the login (nothing loaded yet)."""
    client = app.test_client()
    provider.set_user("p16", preferred_username="petra", groups=["streets"])
    assert sso_login(client, provider, "p16").status_code == 302
    other = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", **sso_config(provider.issuer)})
    try:
        worker = other.test_client()
        cookie = client.get_cookie("session")
        assert cookie is not None
        worker.set_cookie("session", cookie.value)
        location = log_out(worker).headers["Location"]
        assert location.startswith(f"{provider.issuer}/oauth2/end_session?")
    finally:
        other.extensions["onestop.db"].dispose()


def test_a_provider_without_end_session_endpoint_logs_out_locally(db: Database, deployed: None) -> None:
    with running_provider(end_session=False) as plain:
        app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", **sso_config(plain.issuer)})
        try:
            client = app.test_client()
            plain.set_user("q17", preferred_username="quinn", groups=["streets"])
            assert sso_login(client, plain, "q17").status_code == 302
            assert client.get("/inbox").status_code == 200
            response = log_out(client)
            assert response.status_code == 302
            assert response.headers["Location"] == "/login"
            assert client.get("/inbox").status_code == 302
        finally:
            app.extensions["onestop.db"].dispose()


def test_a_provider_down_at_logout_time_still_logs_out_locally(db: Database, deployed: None) -> None:
    config = {"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test"}
    with running_provider() as gone:
        app = create_app({**config, **sso_config(gone.issuer)})
        client = app.test_client()
        gone.set_user("r18", preferred_username="rut", groups=["streets"])
        assert sso_login(client, gone, "r18").status_code == 302
    # A new worker (the metadata not loaded) answers the logout while the provider is down.
    other = create_app({**config, **sso_config(gone.issuer)})
    try:
        worker = other.test_client()
        cookie = client.get_cookie("session")
        assert cookie is not None
        worker.set_cookie("session", cookie.value)
        response = log_out(worker)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        assert client.get("/inbox").status_code == 302  # the session ended on the server all the same
    finally:
        other.extensions["onestop.db"].dispose()
        app.extensions["onestop.db"].dispose()


def test_the_post_logout_redirect_uri_follows_the_redirect_uri_override(db: Database, provider: Provider) -> None:
    config = {**sso_config(provider.issuer), "ONESTOP_OIDC_REDIRECT_URI": "https://onestop.kommun.se/login/sso/callback"}
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", **config})
    try:
        assert app.extensions["onestop.sso"].settings.post_logout_redirect_uri == "https://onestop.kommun.se/login"
    finally:
        app.extensions["onestop.db"].dispose()
    config["ONESTOP_OIDC_REDIRECT_URI"] = "https://onestop.kommun.se/elsewhere"
    with pytest.raises(ValueError, match="must be an http.s. URL ending in /login/sso/callback"):
        create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", **config})
