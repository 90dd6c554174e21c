"""The task inbox: my tasks and the unclaimed tasks of my groups."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from processes import tasks

from .session import actor, commit, db_session

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@login_required
def inbox() -> Any:
    rows = tasks.list_tasks(db_session(), actor(), limit=200)
    return render_template("inbox/inbox.html", tasks=rows)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int) -> Any:
    tasks.claim_task(db_session(), actor(), task_id)
    commit()
    flash(_("Task claimed."), "success")
    return redirect(url_for("inbox.inbox"))
