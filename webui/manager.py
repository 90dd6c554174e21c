"""The office manager's view: overdue work and the open work per officer, with links to reassign."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from processes.db import utcnow
from processes.manager import office_overview

from .inbox_rows import Ages
from .session import actor, db_session

bp = Blueprint("manager", __name__)


@bp.get("/manager")
@login_required
def overview() -> Any:
    now = utcnow()
    offices = office_overview(db_session(), actor(), now=now)
    ages = Ages.translated()
    return render_template("manager/overview.html", offices=offices, age=lambda moment: ages.since(moment, now))
