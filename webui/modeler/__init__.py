"""The modeler (/modeler): analysts edit drafts of BPMN, DMN and forms; administrators deploy them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from processes import drafts
from processes.errors import InvalidFormData, PermissionDenied

from ..extensions import login_manager
from ..session import actor, commit, db_session

bp = Blueprint("modeler", __name__, url_prefix="/modeler")


@bp.before_request
def modelers_only() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not (current_user.has_role("analyst") or current_user.has_role("admin")):
        raise PermissionDenied(_("Only analysts and administrators may open the modeler."))
    return None


@bp.get("")
def index() -> Any:
    return _index({}, {})


def _index(errors: dict[str, str], form: Any, status: int = 200) -> Any:
    rows = drafts.list_processes(db_session(), actor())
    return render_template("modeler/index.html", rows=rows, errors=errors, form=form), status


@bp.post("")
def create() -> Any:
    form = request.form
    try:
        draft = drafts.create_draft(db_session(), actor(), form.get("key", ""), form.get("name", ""))
    except InvalidFormData as err:
        db_session().rollback()
        return _index(err.errors, form, 422)
    commit()
    flash(_("Process %(key)s created as a draft.", key=draft.key), "success")
    return redirect(url_for("modeler.editor", key=draft.key))


from . import deploy, editor, testrun  # noqa: E402,F401  (routes register on bp)
