"""One citizen view (/citizens/<case_id>): every request from the same contact, and linking duplicates."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from processes.attachments import staff_attachment
from processes.citizens import citizen_cases, link_duplicate
from processes.errors import InvalidFormData, NotFound
from processes.notifications import office_title
from processes.outbox_admin import cases_with_failed_mail
from processes.portal import portal_categories

from .input_guard import whole_number
from .portal import attachment_response
from .session import actor, commit, db_session

bp = Blueprint("citizens", __name__)


@bp.get("/citizens/<int:case_id>")
@login_required
def index(case_id: int) -> Any:
    return _render(case_id, {})


@bp.post("/citizens/<int:case_id>/duplicate")
@login_required
def duplicate(case_id: int) -> Any:
    session = db_session()
    original = whole_number(request.form.get("original_case_id"), "original_case_id")
    if original is None:
        return _render(case_id, {"original_case_id": _("Choose the earlier request.")}), 422
    try:
        linked = link_duplicate(session, actor(), case_id, original)
    except InvalidFormData as err:
        session.rollback()
        return _render(case_id, err.errors), 422
    ref = linked.business_key
    commit()
    flash(_("%(ref)s is closed as a duplicate; the citizen gets the answer of the earlier request.", ref=ref),
          "success")
    return redirect(url_for("citizens.index", case_id=case_id))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Response:
    found = staff_attachment(db_session(), actor(), attachment_id)
    return attachment_response(found.content, found.content_type, found.filename)


def _category_labels() -> dict[str, str]:
    try:
        return dict(portal_categories(db_session()))
    except NotFound:  # nothing deployed: show the codes
        return {}


def _render(case_id: int, errors: dict[str, str]) -> str:
    session = db_session()
    case, related = citizen_cases(session, actor(), case_id)
    offices = {c.office: office_title(session, c.office) for c in related if c.office}
    originals = [c for c in related if c.id != case.id and c.status != "cancelled"
                 and not (c.data or {}).get("duplicate_of")]
    refs = {c.id: c.business_key for c in related}
    return render_template("citizens/index.html", case=case, related=related, offices=offices, errors=errors,
                           refs=refs, categories=_category_labels(),
                           failed=cases_with_failed_mail(session, [c.id for c in related]), originals=originals,
                           case_links="cases.case_view" in current_app.view_functions)
