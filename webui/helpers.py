"""Template helpers registered on the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app, g
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from processes.language import reading_language, title_in
from processes.starting import may_start_any
from processes.translations import bpmn_in

from .session import db_session
from .wording import category_label, element_name, option_label, task_name

Rule = str | tuple[str, ...] | Callable[[], bool] | None


def _may_start_a_case() -> bool:
    """Whether the start page has something for the signed-in person (once per request)."""
    if "may_start" not in g:
        g.may_start = may_start_any(db_session(), current_user.model())
    return bool(g.may_start)


# endpoint, label, role (or roles, any of them; or a test) needed (None: every logged-in user); shown
# only once the endpoint exists
NAV: list[tuple[str, object, Rule]] = [
    ("inbox.inbox", _l("Inbox"), None),
    ("intake.intake", _l("New request"), "csu_agent"),
    ("start.index", _l("Start a case"), _may_start_a_case),
    ("cases.search", _l("Cases"), None),
    ("manager.overview", _l("My office"), "manager"),
    ("dashboard.dashboard", _l("Dashboard"), ("manager", "analyst")),
    ("modeler.index", _l("Modeler"), "analyst"),
    ("knowledge.index", _l("Knowledge base"), "analyst"),  # its writers: analysts and administrators
    ("outbox.index", _l("Outbox"), "csu_agent"),
    ("admin.index", _l("Admin"), "admin"),
]


def nav_items() -> list[tuple[str, object, Rule]]:
    views = current_app.view_functions
    return [(endpoint, label, role) for endpoint, label, role in NAV if endpoint in views and _may_see(role)]


def _may_see(role: Rule) -> bool:
    if callable(role):
        return role()
    roles = (role,) if isinstance(role, str) else role
    return roles is None or current_user.has_role("admin") or any(current_user.has_role(r) for r in roles)


def local_datetime(moment: datetime | None, pattern: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC moment in local time (BABEL_DEFAULT_TIMEZONE); '' for None."""
    return format_datetime(moment, pattern) if moment is not None else ""


def local_date(moment: datetime | None) -> str:
    return local_datetime(moment, "yyyy-MM-dd")


def register_helpers(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.filters["localtime"] = local_datetime
    app.jinja_env.filters["localdate"] = local_date
    app.jinja_env.globals["get_locale"] = get_locale  # <html lang> must name the language shown
    app.jinja_env.globals.update(task_name=task_name, element_name=element_name, option_label=option_label)
    app.jinja_env.filters["category"] = category_label
    app.jinja_env.globals["group_title"] = lambda group: title_in(group.title, group.titles)
    app.jinja_env.globals["localized_bpmn"] = lambda xml: bpmn_in(xml, reading_language()) if xml else xml
