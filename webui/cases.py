"""Case pages: find cases, and see one case with its diagram, timeline, data and open tasks."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from processes import cases, delivery, timers
from processes.authz import may_deliver, require
from processes.case_search import group_titles, office_choices
from processes.errors import InvalidFormData, NotWaitingFor
from processes.json_values import parse_client_json
from processes.language import reading_language
from processes.models import CASE_STATUSES
from processes.texts import Text, translated
from processes.translations import bpmn_in
from processes.waits import describe_waits

from .case_wording import channel_label, describe_event, humanize, status_label
from .errors import field_errors
from .input_guard import whole_number
from .session import actor, commit, db_session

bp = Blueprint("cases", __name__)

PAGE_SIZE = 50
FILTER_ERRORS = {
    "office": _l("There is no office “%(value)s”. Choose one from the list."),
    "status": _l("There is no state “%(value)s”. Choose open, closed or cancelled."),
}


bp.add_app_template_filter(status_label, "status_label")
bp.add_app_template_filter(channel_label, "channel_label")
bp.add_app_template_filter(humanize, "humanize")


@bp.get("/cases")
@login_required
def search() -> Any:
    args = {key: request.args.get(key, "").strip() for key in ("q", "office", "status")}
    after = whole_number(request.args.get("after"), "after")
    limit = whole_number(request.args.get("limit"), "limit") or PAGE_SIZE
    session = db_session()
    page, errors = None, {}
    try:
        page = cases.search_cases(session, actor(), text=args["q"], office=args["office"], status=args["status"],
                                  limit=limit, after=after)
    except InvalidFormData as err:
        errors = {key: str(FILTER_ERRORS[key]) % {"value": args[key]} if key in FILTER_ERRORS else message
                  for key, message in err.errors.items()}
    filters: dict[str, Any] = {key: value for key, value in args.items() if value}
    if limit != PAGE_SIZE:
        filters["limit"] = limit
    html = render_template("cases/search.html", args=args, filters=filters, after=after, page=page, errors=errors,
                           offices=office_choices(session), statuses=CASE_STATUSES, groups=group_titles(session))
    return html, 422 if errors else 200


@bp.get("/cases/<int:case_id>")
@login_required
def case_view(case_id: int) -> Any:
    return _case_page(case_id)


def _case_page(case_id: int, attempt: dict[str, str] | None = None) -> str:
    """The case page; `attempt` is a delivery that failed (kind, name, data, error), shown again to fix."""
    session = db_session()
    view = cases.view_case(session, actor(), case_id)
    groups = group_titles(session)
    timeline = [(event, describe_event(event, view.tasks, groups)) for event in view.timeline]
    xml = bpmn_in(view.diagram_xml, reading_language()) if view.diagram_xml else view.diagram_xml  # reader's names
    diagram = {"xml": xml, "active": view.active, "done": view.done}
    other = json.dumps(view.other_data, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return render_template("cases/case.html", view=view, case=view.case, groups=groups, timeline=timeline,
                           diagram=diagram, other_json=other, waiting=describe_waits(session, view.case),
                           may_deliver=view.case.status == "open" and may_deliver(session, actor(), view.case),
                           attempt=attempt)


@bp.post("/cases/<int:case_id>/deliver")
@login_required
def deliver(case_id: int) -> Any:
    """Deliver the message or signal a case waits for, with JSON data (processes.delivery). What went
    wrong is shown on the case page again, with the data as typed, so nothing is lost."""
    session = db_session()
    # Who may deliver comes before what was sent: another office hears 403, not what is wrong with the form.
    require(may_deliver(session, actor(), cases.get_case(session, case_id)),
            Text("you may not send messages or signals to case %(ref)s", ref=case_id))
    kind, name, raw = (request.form.get(key, "") for key in ("kind", "name", "data"))
    attempt = {"kind": kind, "name": name, "data": raw}
    if kind not in delivery.KINDS:
        raise InvalidFormData({"kind": _("choose message or signal")})
    try:
        data = parse_client_json(raw.strip() or "{}", "data")
    except InvalidFormData as err:
        attempt["error"] = _("Enter a JSON object, for example {\"reply\": \"yes\"} (%(detail)s).",
                             detail=translated(err.errors["data"]))
        return _case_page(case_id, attempt), 422
    send = delivery.send_message if kind == "message" else delivery.send_signal
    try:
        send(db_session(), actor(), case_id, name, data)
    except InvalidFormData as err:
        attempt["error"] = "; ".join(field_errors(err.errors).values())
        return _case_page(case_id, attempt), 422
    except NotWaitingFor:
        db_session().rollback()
        attempt["error"] = (_("The case no longer waits for message “%(name)s”; nothing was delivered.", name=name)
                            if kind == "message" else
                            _("The case no longer waits for signal “%(name)s”; nothing was delivered.", name=name))
        return _case_page(case_id, attempt), 409
    commit()
    flash(_("Message “%(name)s” delivered.", name=name) if kind == "message"
          else _("Signal “%(name)s” delivered.", name=name), "success")
    return redirect(url_for("cases.case_view", case_id=case_id))


@bp.post("/cases/<int:case_id>/timers/retry")
@login_required
def retry_timers(case_id: int) -> Any:
    """Administrators: fire the case's failed timers again (processes.timers.retry_failed_timers)."""
    count = timers.retry_failed_timers(db_session(), actor(), case_id)
    commit()
    flash(_("%(count)d timer(s) will fire again at the next worker round.", count=count), "success")
    return redirect(url_for("cases.case_view", case_id=case_id))


@bp.get("/cases/<int:case_id>/diagram.bpmn")
@login_required
def diagram(case_id: int) -> Response:
    xml = cases.case_diagram(db_session(), actor(), case_id)
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'inline; filename="case-{case_id}.bpmn"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
