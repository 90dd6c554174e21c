"""Administration pages (/admin): people, groups and offices, lanes, process versions. Admins only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _
from flask_login import current_user

from processes import admin
from processes.errors import InvalidFormData, PermissionDenied
from processes.lane_mappings import list_lane_mappings

from ..extensions import login_manager
from ..session import actor, commit, db_session

bp = Blueprint("admin", __name__, url_prefix="/admin")
T = TypeVar("T")


@bp.app_template_global("has_endpoint")
def has_endpoint(endpoint: str) -> bool:
    """Links to pages of areas still being built appear once their endpoint exists."""
    return endpoint in current_app.view_functions


@bp.before_request
def admins_only() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("admin"):
        raise PermissionDenied(_("Only administrators may open the administration pages."))
    return None


def attempt(work: Callable[[], T]) -> tuple[T | None, dict[str, str]]:
    """Run an operation and commit; form errors come back as {field: message} instead."""
    try:
        result = work()
    except InvalidFormData as err:
        db_session().rollback()
        return None, err.errors
    commit()
    return result, {}


@bp.get("")
def index() -> Any:
    session, me = db_session(), actor()
    lane_rows, defaults = list_lane_mappings(session, me)
    return render_template(
        "admin/index.html", users=admin.list_users(session, me), groups=admin.list_groups(session, me),
        lanes=lane_rows, lane_defaults=defaults,
    )


from . import lanes, people, versions  # noqa: E402,F401  (routes register on bp)
