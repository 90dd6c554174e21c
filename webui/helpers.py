"""Template helpers registered on the app."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# endpoint, label, role needed (None: every logged-in user); shown only once the endpoint exists
NAV: list[tuple[str, object, str | None]] = [
    ("inbox.inbox", _l("Inbox"), None),
    ("intake.intake", _l("New request"), "csu_agent"),
    ("cases.search", _l("Cases"), None),
    ("manager.overview", _l("My office"), "manager"),
    ("dashboard.dashboard", _l("Dashboard"), "manager"),
    ("modeler.index", _l("Modeler"), "analyst"),
    ("admin.index", _l("Admin"), "admin"),
]


def nav_items() -> list[tuple[str, object, str | None]]:
    views = current_app.view_functions
    return [
        (endpoint, label, role) for endpoint, label, role in NAV
        if endpoint in views and (role is None or current_user.has_role(role) or current_user.has_role("admin"))
    ]


def register_helpers(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
