"""Log in and out with local accounts."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from processes.errors import NotFound
from processes.users import check_password, find_user

from .extensions import limiter
from .session import db_session, load_user

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> Any:
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        try:
            user = find_user(db_session(), username)
        except NotFound:
            user = None
        if user is not None and check_password(user, password):
            current = load_user(user.id)
            assert current is not None
            login_user(current)
            return redirect(_safe_next(request.args.get("next")) or url_for("home"))
        flash(_("Wrong username or password."), "error")
        return render_template("login.html", username=username), 401
    return render_template("login.html", username="")


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))
