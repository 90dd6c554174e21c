"""Start a case: every process the signed-in person may start, and the start form of each (form-js).

The form is the start task's form-js definition, rendered like the task page's; the server checks
the submission against it (processes.forms) and shows each field's message on the field."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from processes.errors import InvalidFormData
from processes.language import reading_language
from processes.starting import start_case_from_form, startable_process, startable_processes
from processes.task_page import parse_payload
from processes.texts import translated
from processes.translations import form_in

from .session import actor, commit, db_session
from .tasks import FORM_JS_MESSAGES, case_url
from .wording import element_name

bp = Blueprint("start", __name__)


@bp.get("/start", endpoint="index")
@login_required
def index() -> Any:
    return render_template("start/index.html", processes=startable_processes(db_session(), actor()),
                           process_name=process_name, process_description=process_description)


@bp.get("/start/<key>", endpoint="form")
@login_required
def show(key: str) -> Any:
    return _render(key)


@bp.post("/start/<key>", endpoint="submit")
@login_required
def submit(key: str) -> Any:
    """Start the case with the JSON the form viewer wrote into `payload`, then show the case."""
    submitted: dict[str, Any] = {}
    try:
        submitted = parse_payload(request.form.get("payload"))
        case = start_case_from_form(db_session(), actor(), key, submitted)
    except InvalidFormData as err:
        db_session().rollback()
        return _render(key, status=422, errors=err.errors, submitted=submitted)
    commit()
    flash(_("Case %(ref)s started.", ref=case.business_key or case.id), "success")
    return redirect(case_url(case.id) or url_for("start.index"))


def _render(key: str, *, status: int = 200, errors: dict[str, str] | None = None,
            submitted: dict[str, Any] | None = None) -> Any:
    process = startable_process(db_session(), actor(), key)
    return render_template(
        "start/form.html", process=process, process_name=process_name, form_data=submitted or {},
        form=form_in(process.form, reading_language()) if process.form else None,
        errors={field: translated(message) for field, message in (errors or {}).items()},
        form_messages={english: str(local) for english, local in FORM_JS_MESSAGES.items()},
    ), status


def process_name(process: Any) -> str:
    """The process's name in the reader's language (its `name_sv` and the like)."""
    return element_name(process.key, process.key, process.name)


def process_description(process: Any) -> str:
    """What the process is for (its documentation) in the reader's language (its `documentation_sv`)."""
    return str(process.description_in(reading_language()))
