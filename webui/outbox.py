"""The outbox page (/admin/outbox): every citizen notification and its state, for the CSU and admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from processes.mailer import SmtpSettings
from processes.models import OUTBOX_STATES
from processes.outbox_admin import case_refs, list_messages, retry_failed, state_counts

from .session import actor, commit, db_session

bp = Blueprint("outbox", __name__)


@bp.get("/admin/outbox")
@login_required
def index() -> Any:
    state = request.args.get("state", "").strip() or None
    session, me = db_session(), actor()
    messages = list_messages(session, me, state=state)
    try:
        settings = SmtpSettings.from_env()
        smtp_problem = None
    except ValueError as err:
        settings, smtp_problem = None, str(err)
    return render_template("outbox/index.html", messages=messages, counts=state_counts(session, me), state=state,
                           states=OUTBOX_STATES, settings=settings, smtp_problem=smtp_problem,
                           case_links="cases.case_view" in current_app.view_functions,
                           refs=case_refs(session, [m.case_id for m in messages]))


@bp.post("/admin/outbox/<int:outbox_id>/retry")
@login_required
def retry(outbox_id: int) -> Any:
    retry_failed(db_session(), actor(), outbox_id)
    commit()
    flash(_("The message is queued again."), "success")
    return redirect(url_for("outbox.index", state=request.args.get("state") or None))
