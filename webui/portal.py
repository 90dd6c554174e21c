"""The public side, no login: the request form, the tracking page with its survey, and the case's photos."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from processes import portal, surveys
from processes.attachments import MAX_PHOTO_BYTES, Upload, attachment_of_case
from processes.citizen_reply import awaited_reply, submit_citizen_reply
from processes.errors import Conflict, InvalidFormData
from processes.tracking import case_for_token, tracking_view

from .errors import error_message
from .extensions import limiter
from .input_guard import body_limit
from .session import commit, db_session

bp = Blueprint("portal", __name__)

FIELDS = ("category", "description", "citizen_name", "citizen_email", "location", "latitude", "longitude",
          "language", "website")
# The photo may be 5 MB; the rest of the form needs far less. Beyond this the request is refused (413).
MAX_PORTAL_REQUEST = MAX_PHOTO_BYTES + 256 * 1024


@bp.after_request
def keep_tokens_private(response: Response) -> Response:
    """The tracking token is in the address: never send it on as a referrer, never let it be indexed."""
    if request.endpoint in ("portal.track", "portal.survey", "portal.reply", "portal.attachment"):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.get("/portal")
def form() -> Any:
    return _render_form({"language": _ui_language()}, {})


@bp.post("/portal")
@body_limit(MAX_PORTAL_REQUEST)
@limiter.limit("5 per minute")
def submit() -> Any:
    values = {name: request.form.get(name, "") for name in FIELDS}
    data = portal.PortalRequest(**values, photo=_photo())
    session = db_session()
    try:
        case = portal.submit_request(session, data)
    except InvalidFormData as err:
        session.rollback()
        return _render_form(values, err.errors), 422
    if case is None:  # the honeypot: look like success, keep nothing
        return render_template("portal/received.html")
    token = case.tracking_token
    commit()
    flash(_("Thank you! We have received your request and sent a confirmation to your e-mail. "
            "Keep the address of this page to follow your request."), "success")
    return redirect(url_for("portal.track", token=token), code=303)


@bp.get("/track/<token>")
@limiter.limit("60 per minute")  # tokens cannot be guessed; this only keeps scanners from loading the database
def track(token: str) -> Any:
    return _render_track(token, {}, {})


@bp.post("/track/<token>/survey")
@limiter.limit("10 per minute")
def survey(token: str) -> Any:
    score, comment = request.form.get("score", ""), request.form.get("comment", "")
    session = db_session()
    try:
        surveys.submit_survey(session, token, score, comment)
    except InvalidFormData as err:
        session.rollback()
        return _render_track(token, err.errors, {"score": score, "comment": comment}), 422
    except surveys.SurveyAlreadyAnswered as err:
        session.rollback()
        flash(error_message(err), "info")
        return redirect(url_for("portal.track", token=token, _anchor="survey"), code=303)
    commit()
    flash(_("Thank you for your feedback!"), "success")
    return redirect(url_for("portal.track", token=token, _anchor="survey"), code=303)


@bp.post("/track/<token>/reply")
@body_limit(MAX_PORTAL_REQUEST)
@limiter.limit("5 per minute")
def reply(token: str) -> Any:
    """The citizen's answer to the office's question, from the tracking page (processes.citizen_reply)."""
    text = request.form.get("reply", "")
    session = db_session()
    try:
        submit_citizen_reply(session, token, text, _photo())
    except InvalidFormData as err:
        session.rollback()
        return _render_track(token, err.errors, {"reply": text}), 422
    except Conflict as err:  # the CSU recorded an answer first, or the case moved on
        session.rollback()
        flash(error_message(err), "info")
        return redirect(url_for("portal.track", token=token), code=303)
    commit()
    flash(_("Thank you: we have your reply, and your request is back with the office."), "success")
    return redirect(url_for("portal.track", token=token), code=303)


@bp.get("/track/<token>/attachments/<int:attachment_id>")
def attachment(token: str, attachment_id: int) -> Response:
    session = db_session()
    found = attachment_of_case(session, case_for_token(session, token), attachment_id)
    return attachment_response(found.content, found.content_type, found.filename)


def attachment_response(content: bytes, content_type: str, filename: str) -> Response:
    """An image as a download-safe response: its checked type, no sniffing, private caching only."""
    response = Response(content, mimetype=content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def _photo() -> Upload | None:
    file = request.files.get("photo")
    if file is None or not file.filename:
        return None
    return Upload(filename=file.filename, content=file.stream.read(MAX_PHOTO_BYTES + 1))


def _ui_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in portal.LANGUAGES else "en"


def _render_form(values: dict[str, str], errors: dict[str, str]) -> str:
    categories = portal.portal_categories(db_session())
    config = current_app.config
    tiles = config.get("ONESTOP_MAP_TILES")
    map_picker = {"tiles": tiles, "attribution": config.get("ONESTOP_MAP_ATTRIBUTION", ""),
                  "center": config.get("ONESTOP_MAP_CENTER", "")} if tiles else None
    return render_template("portal/form.html", values=values, errors=errors, categories=categories,
                           max_photo_mb=MAX_PHOTO_BYTES // (1024 * 1024), map_picker=map_picker)


def _render_track(token: str, errors: dict[str, str], values: dict[str, str]) -> str:
    session = db_session()
    view = tracking_view(session, token)
    labels = dict(portal.portal_categories(session))
    return render_template("portal/track.html", view=view, case=view.case, token=token, errors=errors,
                           values=values, category=labels.get(view.case.category or "", view.case.category),
                           awaits_reply=awaited_reply(session, view.case) is not None,
                           max_photo_mb=MAX_PHOTO_BYTES // (1024 * 1024))
