"""The Flask application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from processes.db import database_url
from processes.language import install_language_source
from processes.texts import install_translator
from processes.unit import Database

from .errors import register_error_handlers
from .extensions import babel, csrf, limiter, login_manager, reader_language, select_locale, translate_text
from .helpers import register_helpers
from .input_guard import IdConverter, StrictJSONProvider, apply_body_limit, reject_nul_bytes
from .logging import configure_logging, init_request_logging
from .monitoring import init_metrics
from .security_headers import init_security_headers
from .session import close_session, load_user
from .sso import init_sso

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app; `test_config` overrides settings (DATABASE_URL, SECRET_KEY, ...)."""
    app = Flask(__name__, instance_relative_config=True)
    app.json = StrictJSONProvider(app)  # request bodies parse strictly (webui/input_guard.py)
    app.config.from_mapping(
        DATABASE_URL=database_url(None),
        SECRET_KEY=os.environ.get("ONESTOP_SECRET_KEY") or _instance_secret(Path(app.instance_path)),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("ONESTOP_SECURE_COOKIES", "0") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE=os.environ.get("ONESTOP_TIMEZONE", "Europe/Stockholm"),
        RATELIMIT_STORAGE_URI=os.environ.get("ONESTOP_RATELIMIT_STORAGE", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Explicit: Flask-Limiter falls back to the previous app's setting when this key is absent.
        RATELIMIT_ENABLED=True,
        # A moving window: "10 per minute" holds for any 60 s, not per clock minute.
        RATELIMIT_STRATEGY="moving-window",
        # The portal's map: a tile URL template ("https://{s}.tile.example.org/{z}/{x}/{y}.png"), its host joins
        # the CSP img-src; OpenStreetMap's tiles unless set, no map when set to "" (coordinates are typed then).
        ONESTOP_MAP_TILES=os.environ.get("ONESTOP_MAP_TILES", OSM_TILES),
        ONESTOP_MAP_ATTRIBUTION=os.environ.get("ONESTOP_MAP_ATTRIBUTION", OSM_ATTRIBUTION),
        ONESTOP_MAP_CENTER=os.environ.get("ONESTOP_MAP_CENTER", "59.3293,18.0686"),
        # Single sign-on (docs/sso.md): off unless ONESTOP_OIDC_ISSUER is set.
        **_environment(*SSO_SETTINGS),
    )
    if test_config:
        app.config.update(test_config)
    hops = int(os.environ.get("ONESTOP_PROXY_HOPS", "0"))
    if hops:
        # Behind N trusted proxies: the client's address (login throttling, logs) and the public scheme
        # and host (single sign-on redirects) come from their X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    app.extensions["onestop.db"] = Database(app.config["DATABASE_URL"])
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    app.before_request(apply_body_limit)  # before CSRFProtect's hook, which reads the form
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_language_source(reader_language)  # processes word titles, names and messages for the reader
    install_translator(translate_text)
    limiter.init_app(app)
    app.teardown_appcontext(close_session)
    if not app.testing:
        configure_logging()
    init_request_logging(app)
    init_metrics(app)  # /healthz and /metrics
    register_error_handlers(app)
    init_security_headers(app)
    register_helpers(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(reject_nul_bytes)
    _register_blueprints(app)
    init_sso(app)

    @app.get("/")
    def home() -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for(current_user.home_endpoint))

    return app


SSO_SETTINGS = ("ONESTOP_OIDC_ISSUER", "ONESTOP_OIDC_CLIENT_ID", "ONESTOP_OIDC_CLIENT_SECRET", "ONESTOP_OIDC_NAME",
                "ONESTOP_OIDC_GROUPS_CLAIM", "ONESTOP_OIDC_GROUP_MAP", "ONESTOP_OIDC_REDIRECT_URI")


def _environment(*names: str) -> dict[str, Any]:
    return {name: os.environ.get(name) for name in names}


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .citizens import bp as citizens_bp
    from .dashboard import bp as dashboard_bp
    from .inbox import bp as inbox_bp
    from .intake import bp as intake_bp
    from .knowledge import bp as knowledge_bp
    from .manager import bp as manager_bp
    from .modeler import bp as modeler_bp
    from .open311 import bp as open311_bp
    from .outbox import bp as outbox_bp
    from .portal import bp as portal_bp
    from .profile import bp as profile_bp
    from .start import bp as start_bp
    from .tasks import bp as tasks_bp

    for blueprint in (
        auth_bp, inbox_bp, cases_bp, profile_bp, manager_bp, admin_bp, api_bp, open311_bp,
        intake_bp, tasks_bp, portal_bp, outbox_bp, citizens_bp, modeler_bp, dashboard_bp, start_bp,
        knowledge_bp,
    ):
        app.register_blueprint(blueprint)


def _instance_secret(instance: Path) -> str:
    """A random secret kept in instance/, so sessions survive restarts of a single-machine install.

    Several hosts need one ONESTOP_SECRET_KEY instead: each host would make its own (deploy/README.md)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        # gunicorn workers start at once: write aside, then link, so every worker reads the same key.
        spare = instance / f".secret_key.{os.getpid()}"
        spare.write_text(secrets.token_hex(32))
        spare.chmod(0o600)
        try:
            os.link(spare, path)
        except FileExistsError:
            pass
        finally:
            spare.unlink()
    return path.read_text().strip()
