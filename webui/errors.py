"""Domain errors to HTTP statuses and messages, in one place for every blueprint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError

from processes.db import DatabaseUnavailable, SchemaMissing, is_disk_full, schema_missing
from processes.errors import (
    CaseStepFailed,
    Conflict,
    DomainError,
    InvalidFormData,
    NotFound,
    PermissionDenied,
    ProcessNotDeployable,
)
from processes.texts import Text, translated

from .open311_format import errors as open311_errors

STATUS: list[tuple[type[Exception], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (InvalidFormData, 422),
    (ProcessNotDeployable, 422),
    # The routine cannot go on with what was sent (a script fails on it): the case stays as it was, and the
    # client hears where and why, to send something else or tell the analyst.
    (CaseStepFailed, 422),
]


def status_for(error: Exception) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


OPEN311 = "/open311/v2"


def error_response(status: int, message: str, **extra: Any) -> Any:
    if request.path == OPEN311 or request.path.startswith(OPEN311 + "/"):
        # Open311 clients read the specification's error list, also for a path no route matches (404, 405),
        # a body too large or a database outage: XML only where the path asks for it, as .xml
        return open311_errors("xml" if request.path.endswith(".xml") else "json", status, [message])
    if wants_json():
        return {"error": message, "status": status, **extra}, status
    return render_template("error.html", status=status, message=message, **extra), status


def error_message(error: Exception) -> str:
    """The message of a domain error in the reader's language: operations word theirs as a
    processes.texts.Text (English for the CLI, the logs and the API unless the client asked for Swedish)."""
    message = error.args[0] if len(error.args) == 1 and isinstance(error.args[0], Text) else error
    return str(translated(message))


def field_errors(errors: Mapping[str, Any]) -> dict[str, str]:
    """InvalidFormData.errors with each message in the reader's language (keys are field names)."""
    return {key: str(translated(message)) for key, message in errors.items()}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        extra: dict[str, Any] = {}
        if isinstance(error, InvalidFormData):
            extra["errors"] = field_errors(error.errors)
        if isinstance(error, ProcessNotDeployable):
            extra["problems"] = error.problems  # 'file:element: message' for the analyst, as the checks word them
        if isinstance(error, CaseStepFailed):
            extra.update(element_id=error.element_id, detail=str(translated(error.message)))
        return error_response(status_for(error), error_message(error), **extra)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return error_response(400, _("The form expired or was not sent from this site (%(reason)s). "
                                     "Reload the page and try again.", reason=error.description))

    @app.errorhandler(DatabaseUnavailable)
    @app.errorhandler(OperationalError)  # the connection dropped mid-request (database restart, failover)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(ProgrammingError)  # PostgreSQL's missing table; any other is a bug, answered 500
    def database_down(error: Exception) -> Any:
        no_schema = isinstance(error, SchemaMissing) or (isinstance(error, DBAPIError) and schema_missing(error))
        if isinstance(error, ProgrammingError) and not no_schema:
            raise error
        # Render as for a visitor: looking up the logged-in user (or their language) needs the database.
        g._login_user = AnonymousUserMixin()
        if is_disk_full(error):
            return error_response(503, _("The database's disk is full, so nothing was saved. "
                                         "Ask the administrator to free some space, then try again."))
        if no_schema:
            return error_response(503, _("The database has no OneStop schema, or an older one: "
                                         "run `onestop db upgrade`."))
        return error_response(503, _("The database is not available; please try again in a moment."))

    for status, message in ((404, _l("Page not found.")), (405, _l("Method not allowed.")),
                            (413, _l("The request is too large.")), (429, _l("Too many attempts; wait a minute."))):
        app.register_error_handler(status, lambda _e, s=status, m=message: error_response(s, str(m)))
