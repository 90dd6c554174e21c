"""The lane -> group mapping: which group works on the tasks of each lane."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from processes import admin
from processes.lane_mappings import delete_lane_mapping, list_lane_mappings, save_lane_mapping

from ..session import actor, commit, db_session
from . import attempt, bp


def _render(errors: dict[str, str], form: Any, status: int = 200) -> Any:
    session, me = db_session(), actor()
    rows, defaults = list_lane_mappings(session, me)
    groups = [g for g in admin.list_groups(session, me) if g.active]
    return render_template("admin/lanes.html", rows=rows, defaults=defaults, groups=groups, errors=errors,
                           form=form), status


@bp.get("/lanes")
def lanes() -> Any:
    return _render({}, {})


@bp.post("/lanes")
def save_lane() -> Any:
    form = request.form
    target = form.get("variable", "").strip() or form.get("group", "")
    if form.get("variable", "").strip() and not target.startswith("="):
        target = "=" + target
    _row, errors = attempt(lambda: save_lane_mapping(db_session(), actor(), form.get("lane", ""), target,
                                                     managers_only=form.get("managers_only") == "on"))
    if errors:
        return _render(errors, form, 422)
    flash(_("Lane %(lane)s saved.", lane=form.get("lane", "").strip()), "success")
    return redirect(url_for("admin.lanes"))


@bp.post("/lanes/<int:mapping_id>/delete")
def delete_lane(mapping_id: int) -> Any:
    delete_lane_mapping(db_session(), actor(), mapping_id)
    commit()
    flash(_("Lane removed."), "success")
    return redirect(url_for("admin.lanes"))
