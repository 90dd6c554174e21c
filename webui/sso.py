"""Single sign-on with the municipality's identity provider: OpenID Connect, authorization code flow (Authlib).

Configured by ONESTOP_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _NAME, _GROUPS_CLAIM and _GROUP_MAP
(docs/sso.md). Authlib checks the state (bound to the browser's session), the nonce, the ID token's
signature against the provider's keys, its issuer, audience and expiry; processes/sso_accounts.py
turns the claims into a user with roles and groups.

Logging out of OneStop also ends the session at the provider (OpenID Connect RP-Initiated Logout 1.0):
`/logout` ends the OneStop session, then sends the browser to the provider's end_session_endpoint with
the ID token as id_token_hint; the provider sends it back to the login page.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user
from joserfc.errors import JoseError
from requests import RequestException

from processes.sso_accounts import claim_values, grants_for, parse_group_map, sign_in_external

from .auth import _safe_next, login_page
from .extensions import reader_language
from .security_headers import origin_of
from .session import commit, current_user_of, db_session

log = logging.getLogger("onestop.sso")
bp = Blueprint("sso", __name__)
NEXT_KEY = "sso_next"
# What logout needs of an SSO login: the login it belongs to ("<user id>:<session version>") and the raw
# ID token for id_token_hint. Flask's session is a signed cookie, and browsers drop a cookie over 4 kB.
# A JWT hardly compresses, so the cookie grows by about the token's length: a typical ID token (1-2 kB)
# is kept, leaving room for the rest of the session (login, CSRF token, flash messages). A larger one (an
# Entra ID token with many groups reaches 10 kB) is not kept, and logout then names our client_id alone,
# which RP-Initiated Logout allows (the provider may then ask the user to confirm).
LOGIN_KEY = "sso_login"
ID_TOKEN_HINT_MAX = 2500
LOGOUT_STATE_KEY = "sso_logout_state"
CALLBACK_PATH = "/login/sso/callback"


@dataclass(frozen=True)
class SsoSettings:
    issuer: str
    client_id: str
    client_secret: str
    name: str
    groups_claim: str
    group_map: dict[str, list[tuple[str, str]]]
    redirect_uri: str | None
    post_logout_redirect_uri: str | None  # the login page, when redirect_uri overrides our address

    @classmethod
    def from_config(cls, config: Any) -> SsoSettings | None:
        """The settings, or None when single sign-on is not configured; ValueError on a half-made set-up."""
        issuer = (config.get("ONESTOP_OIDC_ISSUER") or "").strip().rstrip("/")
        if not issuer:
            return None
        missing = [key for key in ("ONESTOP_OIDC_CLIENT_ID", "ONESTOP_OIDC_CLIENT_SECRET") if not config.get(key)]
        if missing:
            raise ValueError(f"ONESTOP_OIDC_ISSUER is set but {' and '.join(missing)} is not")
        if urlsplit(issuer).scheme not in ("http", "https"):
            raise ValueError(f"ONESTOP_OIDC_ISSUER must be an http(s) URL, not {issuer!r}")
        redirect_uri = config.get("ONESTOP_OIDC_REDIRECT_URI") or None
        post_logout_redirect_uri = None
        if redirect_uri:
            # The login page at the same public address: the callback's URL without "/sso/callback".
            parts = urlsplit(redirect_uri)
            if parts.scheme not in ("http", "https") or not parts.path.endswith(CALLBACK_PATH) or parts.query:
                raise ValueError(f"ONESTOP_OIDC_REDIRECT_URI must be an http(s) URL ending in {CALLBACK_PATH}, "
                                 f"not {redirect_uri!r}")
            post_logout_redirect_uri = parts._replace(path=parts.path.removesuffix("/sso/callback"),
                                                      fragment="").geturl()
        return cls(issuer=issuer, client_id=config["ONESTOP_OIDC_CLIENT_ID"],
                   client_secret=config["ONESTOP_OIDC_CLIENT_SECRET"],
                   name=config.get("ONESTOP_OIDC_NAME") or urlsplit(issuer).hostname or issuer,
                   groups_claim=config.get("ONESTOP_OIDC_GROUPS_CLAIM") or "groups",
                   group_map=parse_group_map(config.get("ONESTOP_OIDC_GROUP_MAP")),
                   redirect_uri=redirect_uri, post_logout_redirect_uri=post_logout_redirect_uri)


class SingleSignOn:
    """The configured provider, as an Authlib client of this app."""

    def __init__(self, app: Flask, settings: SsoSettings) -> None:
        self.settings = settings
        self.name = settings.name
        self.client: Any = OAuth(app).register(
            "onestop_oidc",
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256",
                           "default_timeout": 10},
        )


def init_sso(app: Flask) -> None:
    """Offer single sign-on when ONESTOP_OIDC_ISSUER is set."""
    settings = SsoSettings.from_config(app.config)
    if settings is not None:
        app.extensions["onestop.sso"] = SingleSignOn(app, settings)
    app.register_blueprint(bp)


def _sso() -> SingleSignOn | None:
    sso: SingleSignOn | None = current_app.extensions.get("onestop.sso")
    return sso


@bp.post("/login/sso")
def start() -> Any:
    """Send the browser to the provider's login page; it comes back to `callback`."""
    sso = _sso()
    if sso is None:
        return login_page(404)
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    redirect_uri = sso.settings.redirect_uri or url_for("sso.callback", _external=True)
    try:
        return sso.client.authorize_redirect(redirect_uri, ui_locales=reader_locale())
    except (OAuthError, RequestException, ValueError) as err:  # the provider's metadata cannot be had
        log.warning("single sign-on unavailable: %s", err)
        flash(_("%(provider)s cannot be reached. Try again later or log in with a password.",
                provider=sso.name), "error")
        return login_page(502)


@bp.get("/login/sso/callback")
def callback() -> Any:
    """The provider sends the browser back here with a code; a checked ID token logs the user in."""
    sso = _sso()
    if sso is None:
        return login_page(404)
    try:
        # Authlib checks the audience only when told to: without it, a token the provider issued to
        # another of its clients (with azp set to ours) would pass.
        token = sso.client.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": [sso.settings.issuer]},
            "aud": {"essential": True, "values": [sso.settings.client_id]},
        })
    except (OAuthError, JoseError, RequestException, ValueError) as err:
        # A stale or forged state, a token for another client or from another issuer, the provider down.
        log.warning("single sign-on refused: %s: %s", type(err).__name__, err)
        flash(_("Login with %(provider)s failed. Try again.", provider=sso.name), "error")
        return login_page(400)
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        log.warning("single sign-on refused: the provider sent no ID token")
        flash(_("Login with %(provider)s failed. Try again.", provider=sso.name), "error")
        return login_page(400)
    values = claim_values(claims, sso.settings.groups_claim)
    outcome = sign_in_external(db_session(), sso.settings.issuer, claims, grants_for(values, sso.settings.group_map))
    user = outcome.user
    if outcome.missing_groups:
        log.warning("single sign-on: %s maps to groups OneStop does not have: %s", user.username,
                    ", ".join(outcome.missing_groups))
    commit()  # roles and groups follow the provider even when the login is refused below
    if not user.active or not user.roles:
        log.warning("single sign-on refused for %s: %s", user.username,
                    "deactivated" if not user.active else f"no role mapped from {values!r}")
        flash(_("Your account at %(provider)s gives no access to OneStop. Ask your administrator.",
                provider=sso.name), "error")
        return login_page(403)
    signed_in = current_user_of(user)
    login_user(signed_in)
    _keep_for_logout(signed_in.get_id(), token.get("id_token"))
    return redirect(session.pop(NEXT_KEY, None) or url_for("home"))


def _keep_for_logout(login_id: str, id_token: Any) -> None:
    """Remember in the session that this login came from the provider, with the ID token if it fits."""
    hint = id_token if isinstance(id_token, str) and len(id_token) <= ID_TOKEN_HINT_MAX else None
    if isinstance(id_token, str) and hint is None:
        log.info("single sign-on: the ID token (%d characters) is too large for the session cookie; "
                 "logout will send the client id without id_token_hint", len(id_token))
    session[LOGIN_KEY] = {"for": login_id, "id_token": hint}


def provider_logout_url(login_id: str) -> str | None:
    """Where to send the browser after the OneStop session `login_id` has ended: the provider's
    end_session_endpoint when that login came through single sign-on and the provider has one, else None."""
    kept = session.pop(LOGIN_KEY, None)
    sso = _sso()
    if sso is None or not isinstance(kept, dict) or kept.get("for") != login_id:
        return None
    try:
        metadata = sso.client.load_server_metadata()  # loaded at the login; fetched again by a new worker
    except (OAuthError, RequestException, ValueError) as err:
        log.warning("single sign-on: cannot end the session at the provider: %s", err)
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not isinstance(endpoint, str) or urlsplit(endpoint).scheme not in ("http", "https"):
        return None  # a provider without RP-initiated logout: the OneStop session alone ends, as before
    if origin_of(endpoint) != origin_of(sso.settings.issuer):
        # The logout form's Content-Security-Policy (form-action) allows the issuer's origin only.
        log.warning("single sign-on: the end_session_endpoint %s is not at the issuer's origin; "
                    "the browser may refuse the redirect (form-action)", endpoint)
    state = secrets.token_urlsafe(16)
    session[LOGOUT_STATE_KEY] = state
    params = {"client_id": sso.settings.client_id,
              "post_logout_redirect_uri": sso.settings.post_logout_redirect_uri
              or url_for("auth.login", _external=True),
              "state": state, "ui_locales": reader_locale()}
    if kept.get("id_token"):
        params = {"id_token_hint": kept["id_token"], **params}
    return f"{endpoint}{'&' if urlsplit(endpoint).query else '?'}{urlencode(params)}"


def reader_locale() -> str:
    """The reader's language as `ui_locales` (OpenID Connect Core 3.1.2.1): a provider that has the
    language shows its login and logout pages in it; others ignore it."""
    return reader_language() or "en"


def logged_out_at_provider() -> bool:
    """Whether this request is the provider sending the browser back after `provider_logout_url`.

    The provider adds our `state`; one that leaves it out still lands here, and gets the same page."""
    expected = session.pop(LOGOUT_STATE_KEY, None)
    if not isinstance(expected, str):
        return False
    returned = request.args.get("state")
    if returned is not None and not secrets.compare_digest(returned, expected):
        log.warning("single sign-on: back from the provider's logout with another state")
        return False
    return True
