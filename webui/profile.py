"""The logged-in user's own settings: for now the language of the pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from processes.authz import group_roles
from processes.case_search import group_titles
from processes.users import LOCALES, set_locale

from .auth import _safe_next
from .session import actor, commit, db_session

bp = Blueprint("profile", __name__)

# Each language is named in itself, so whoever cannot read the current one still finds theirs.
LANGUAGE_NAMES = {"en": "English", "sv": "Svenska"}
ROLE_LABELS = {"csu_agent": _l("CSU agent"), "officer": _l("Officer"), "manager": _l("Manager"),
               "analyst": _l("Analyst"), "admin": _l("Administrator")}


@bp.get("/profile")
@login_required
def profile() -> Any:
    session = db_session()
    user = actor()
    titles = group_titles(session)
    groups = [(titles.get(name, name), manager) for name, manager in sorted(group_roles(session, user).items())]
    roles = [str(ROLE_LABELS.get(role, role)) for role in user.roles]
    return render_template("profile.html", user=user, roles=roles, groups=groups, locales=LOCALES,
                           names=LANGUAGE_NAMES)


@bp.post("/profile")
@login_required
def change() -> Any:
    locale = request.form.get("locale", "")
    set_locale(db_session(), actor(), locale)
    commit()
    with force_locale(locale):
        flash(_("Language changed to English.") if locale == "en" else _("Language changed to Swedish."),
              "success")
    return redirect(_safe_next(request.form.get("next")) or url_for("profile.profile"))
