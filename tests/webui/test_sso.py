"""Issue 13: single sign-on through an OpenID Connect provider started by the tests, beside local accounts.

The full authorization code flow over real HTTP: the app sends the browser to the provider, the
provider's login form sends it back with a code, the app exchanges the code at the provider's token
endpoint and checks the ID token (signature, issuer, audience, nonce) before it logs anyone in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from processes.models import Membership, User
from processes.unit import Database
from tests.oidc_provider import Provider, running_provider
from webui.app import create_app

from .conftest import csrf_token, login

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
