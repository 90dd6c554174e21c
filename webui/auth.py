"""Log in and out with local accounts, failed logins throttled (processes/login_throttle.py)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from processes.db import utcnow
from processes.errors import NotFound
from processes.login_throttle import locked_until, record_failure, record_success
from processes.users import check_password, end_sessions, find_user

from .session import actor, commit, current_user_of, db_session

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


def now() -> datetime:
    """The time the throttle counts in: ONESTOP_CLOCK (a callable, for tests) or the real UTC time."""
    clock: Callable[[], datetime] = current_app.config.get("ONESTOP_CLOCK") or utcnow
    return clock()


def login_page(status: int = 200, username: str = "") -> Any:
    sso = current_app.extensions.get("onestop.sso")
    return render_template("login.html", username=username, sso_name=sso.name if sso else None), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method != "POST":
        if current_app.extensions.get("onestop.sso") is not None:
            from .sso import logged_out_at_provider  # here: webui/sso.py imports this module

            if logged_out_at_provider():
                flash(_("You are logged out."), "info")
        return login_page()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        # Nothing to guess with, for any account: refused without counting it or hashing.
        flash(_("Wrong username or password."), "error")
        return login_page(401, username)
    session, moment, address = db_session(), now(), request.remote_addr
    until = locked_until(session, username, address, moment)
    if until is not None:
        # Refused before the password is checked: a locked guesser learns nothing and costs no hashing.
        minutes = max(1, math.ceil((until - moment).total_seconds() / 60))
        flash(ngettext("Too many failed logins. Try again in %(num)d minute.",
                       "Too many failed logins. Try again in %(num)d minutes.", minutes), "error")
        page, status = login_page(429, username)
        return page, status, {"Retry-After": str(minutes * 60)}
    try:
        user = find_user(session, username)
    except NotFound:
        user = None
    if check_password(user, password):  # as slow for an unknown name as for a wrong password
        assert user is not None
        record_success(session, username)
        commit()
        login_user(current_user_of(user))
        return redirect(_safe_next(request.args.get("next")) or url_for("home"))
    record_failure(session, username, address, moment)
    commit()
    flash(_("Wrong username or password."), "error")
    return login_page(401, username)


@bp.post("/logout")
@login_required
def logout() -> Any:
    # The session cookie lives in the browser, so forgetting it there is not enough: a copy would
    # still work. Raising the session version ends it (and the user's other sessions) on the server.
    login_id = current_user.get_id()
    end_sessions(db_session(), actor())
    commit()
    logout_user()
    if current_app.extensions.get("onestop.sso") is not None:
        from .sso import provider_logout_url

        # Then the session at the identity provider, for a login that came from there (docs/sso.md).
        target = provider_logout_url(login_id)
        if target is not None:
            return redirect(target)
    return redirect(url_for("auth.login"))
