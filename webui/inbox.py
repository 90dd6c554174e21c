"""The task inbox: my tasks and the unclaimed tasks of my groups; claim, unclaim, assign, reassign."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from processes import tasks
from processes.db import utcnow
from processes.errors import InvalidFormData, NotFound
from processes.inbox import PAGE_SIZE, Cursor, InboxFilters, InvalidInboxQuery, filter_options, inbox_page
from processes.inbox_counts import COUNT_CAP, inbox_counts
from processes.manager import group_members
from processes.models import User

from .inbox_rows import present
from .input_guard import parse_whole_number
from .session import actor, commit, db_session

bp = Blueprint("inbox", __name__)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def read_filters(args: MultiDict[str, str]) -> InboxFilters:
    """The inbox filters of a query string; empty values mean 'any'."""
    try:
        assignee = parse_whole_number(args.get("assignee"))
    except ValueError:
        raise InvalidInboxQuery("assignee must be a user id") from None
    return InboxFilters(
        group=args.get("group") or None, process_key=args.get("process") or None,
        category=args.get("category") or None, due=args.get("due") or None,
        text=args.get("q", "").strip() or None, scope=args.get("scope") or "all",
        assignee_id=assignee,
    )


@bp.get("/inbox")
@login_required
def inbox() -> Any:
    session, user, now = db_session(), actor(), utcnow()
    filters = read_filters(request.args)
    page = inbox_page(session, user, filters, now=now, zone=local_zone(),
                      after=Cursor.decode(request.args.get("after")),
                      limit=current_app.config.get("INBOX_PAGE_SIZE", PAGE_SIZE))
    counts = inbox_counts(session, user, now=now, zone=local_zone(), vis=page.visibility,
                          cap=current_app.config.get("INBOX_COUNT_CAP", COUNT_CAP))
    members = group_members(session, page.visibility.managed) if page.visibility.managed else {}
    args = {key: value for key, value in request.args.items() if key != "after" and value}
    rows = present(page.rows, page.visibility, now, local_zone())
    return render_template("inbox/inbox.html", page=page, rows=rows, counts=counts, members=members, args=args,
                           options=filter_options(session), filters=filters,
                           everyone_args={key: value for key, value in args.items() if key != "assignee"},
                           assignee_name=_assignee_name(members, filters.assignee_id))


def _assignee_name(members: dict[str, Any], user_id: int | None) -> str | None:
    if user_id is None:
        return None
    for people in members.values():
        for person in people:
            if person.id == user_id:
                return str(person.display_name)
    return None


def _back() -> Any:
    """Back to the inbox page the form was sent from (same-site paths only)."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        target = url_for("inbox.inbox")
    return redirect(target)


def _user(form_value: str | None) -> User:
    try:
        user_id = parse_whole_number(form_value)
    except ValueError:
        user_id = None
    if user_id is None:
        raise InvalidFormData({"assignee": _("choose a member to assign to")})
    user = db_session().get(User, user_id)
    if user is None:
        raise NotFound(_("user %(user_id)s not found", user_id=form_value))
    return user


@bp.post("/inbox/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    tasks.claim_task(db_session(), actor(), task_id)
    commit()
    flash(_("Task claimed: it is now in your tasks."), "success")
    return _back()


@bp.post("/inbox/tasks/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int) -> Any:
    tasks.unclaim_task(db_session(), actor(), task_id)
    commit()
    flash(_("Task returned to its group."), "success")
    return _back()


@bp.post("/inbox/tasks/<int:task_id>/assign")
@login_required
def assign(task_id: int) -> Any:
    assignee = _user(request.form.get("assignee"))
    tasks.assign_task(db_session(), actor(), task_id, assignee)
    commit()
    flash(_("Task assigned to %(name)s.", name=assignee.display_name), "success")
    return _back()


@bp.post("/inbox/reassign")
@login_required
def reassign() -> Any:
    assignee = _user(request.form.get("assignee"))
    try:
        task_ids = [parse_whole_number(value) for value in request.form.getlist("task_ids")]
    except ValueError:
        raise InvalidFormData({"task_ids": _("not a list of task ids")}) from None
    done = tasks.reassign_tasks(db_session(), actor(), [n for n in task_ids if n is not None], assignee)
    commit()
    flash(ngettext("%(num)d task assigned to %(name)s.", "%(num)d tasks assigned to %(name)s.", len(done),
                   name=assignee.display_name), "success")
    return _back()
