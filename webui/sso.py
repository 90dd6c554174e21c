"""Single sign-on with the municipality's identity provider: OpenID Connect, authorization code flow (Authlib).

Configured by ONESTOP_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _NAME, _GROUPS_CLAIM and _GROUP_MAP
(docs/sso.md). Authlib checks the state (bound to the browser's session), the nonce, the ID token's
signature against the provider's keys, its issuer, audience and expiry; processes/sso_accounts.py
turns the claims into a user with roles and groups.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user
from joserfc.errors import JoseError
from requests import RequestException

from processes.sso_accounts import claim_values, grants_for, parse_group_map, sign_in_external

from .auth import _safe_next, login_page
from .session import commit, current_user_of, db_session

log = logging.getLogger("onestop.sso")
bp = Blueprint("sso", __name__)
NEXT_KEY = "sso_next"


@dataclass(frozen=True)
class SsoSettings:
    issuer: str
    client_id: str
    client_secret: str
    name: str
    groups_claim: str
    group_map: dict[str, list[tuple[str, str]]]
    redirect_uri: str | None

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
        return cls(issuer=issuer, client_id=config["ONESTOP_OIDC_CLIENT_ID"],
                   client_secret=config["ONESTOP_OIDC_CLIENT_SECRET"],
                   name=config.get("ONESTOP_OIDC_NAME") or urlsplit(issuer).hostname or issuer,
                   groups_claim=config.get("ONESTOP_OIDC_GROUPS_CLAIM") or "groups",
                   group_map=parse_group_map(config.get("ONESTOP_OIDC_GROUP_MAP")),
                   redirect_uri=config.get("ONESTOP_OIDC_REDIRECT_URI") or None)


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
        return sso.client.authorize_redirect(redirect_uri)
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
    login_user(current_user_of(user))
    return redirect(session.pop(NEXT_KEY, None) or url_for("home"))
