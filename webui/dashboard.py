"""The dashboard: front office, hand-over, back office and citizen figures; the heatmap of a process
diagram; the event log for download. Managers see their own offices, analysts and admins all."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import Session

from processes import eventlog, heatmap, metrics
from processes.db import utcnow
from processes.errors import InvalidFormData
from processes.metrics_filters import Choices, Filters, filter_choices, parse_filters, visible_offices
from processes.models import User
from processes.runtime import calendar

from .dashboard_charts import backlog_labels, charts
from .session import actor, db_session

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8", "xes": "application/xml; charset=utf-8"}


def _filters(session: Session, user: User) -> tuple[Filters | None, Choices, dict[str, str]]:
    """The filters of this request; on bad input None and the messages (no figures are computed).

    Any existing office is a valid filter; one the user may not see is refused later (403)."""
    visible = visible_offices(session, user)
    choices = filter_choices(session, visible)
    known = choices if visible is None else filter_choices(session, None)
    try:
        return parse_filters(request.args, known, today=calendar().local_date(utcnow())), choices, {}
    except InvalidFormData as err:
        return None, choices, err.errors


def _page(template: str, status: int = 200, **context: Any) -> Any:
    return render_template(template, percent=_percent, number=_number, duration=_duration, args=request.args,
                           **context), status


@bp.get("")
@login_required
def dashboard() -> Any:
    session, user = db_session(), actor()
    filters, choices, errors = _filters(session, user)
    if filters is None:
        return _page("dashboard/dashboard.html", 422, board=None, choices=choices, errors=errors)
    board = metrics.dashboard(session, user, filters, choices=choices)
    labels = _labels(choices)
    return _page("dashboard/dashboard.html", board=board, choices=choices, errors={}, labels=labels,
                 charts=charts(board, labels["office"], labels["channel"]), backlog_labels=backlog_labels(),
                 processes=heatmap.process_names(session))


@bp.get("/heatmap/<key>")
@bp.get("/heatmap/<key>/<int:version>")
@login_required
def heatmap_page(key: str, version: int | None = None) -> Any:
    session, user = db_session(), actor()
    filters, choices, errors = _filters(session, user)
    if filters is None:
        return _page("dashboard/heatmap.html", 422, heat=None, key=key, choices=choices, errors=errors)
    heat = heatmap.heatmap(session, user, key, version, filters)
    return _page("dashboard/heatmap.html", heat=heat, key=key, choices=choices, errors={}, filters=filters)


@bp.get("/export.<fmt>")
@login_required
def export(fmt: str) -> Any:
    if fmt not in EXPORT_TYPES:
        abort(404)
    session, user = db_session(), actor()
    filters, _, errors = _filters(session, user)
    if filters is None:
        raise InvalidFormData(errors)
    chunks = eventlog.export(session, user, filters, fmt)
    name = f"onestop-events-{filters.start}-{filters.end}.{fmt}"
    return Response(stream_with_context(chunks), mimetype=EXPORT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _labels(choices: Choices) -> dict[str, dict[str, str]]:
    return {"office": dict(choices.offices), "category": dict(choices.categories),
            "channel": dict(choices.channels)}


def _percent(value: float | None) -> str:
    return "–" if value is None else str(format_percent(value, "#,##0.0%"))


def _number(value: float | None, pattern: str = "#,##0.#") -> str:
    return "–" if value is None else str(format_decimal(value, pattern))


def _duration(seconds: float | None) -> str:
    """A time spent, in the unit that reads best: minutes, hours or days."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return _("under a minute")
    if seconds < 3600:
        return _("%(n)s min", n=_number(seconds / 60, "#,##0"))
    if seconds < 2 * 86400:
        return _("%(n)s h", n=_number(seconds / 3600, "#,##0.#"))
    return _("%(n)s days", n=_number(seconds / 86400, "#,##0.#"))
