"""The task page: the case at a glance, its timeline, and the task's form (form-js) to complete it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from processes.errors import InvalidFormData, TaskAlreadyCompleted
from processes.language import reading_language
from processes.task_page import NextStep, parse_payload, submit_task, task_page
from processes.tasks import ConcurrentUpdate, claim_task
from processes.texts import translated
from processes.translations import form_in

from .case_wording import channel_label, describe_event, humanize
from .helpers import local_date, local_datetime
from .session import actor, commit, db_session
from .wording import task_name

bp = Blueprint("tasks", __name__)


@bp.get("/tasks/<int:task_id>", endpoint="task_page")
@login_required
def show(task_id: int) -> Any:
    return _render(task_id)


@bp.post("/tasks/<int:task_id>", endpoint="complete")
@login_required
def submit(task_id: int) -> Any:
    """Claim (action=claim) or complete the task with the JSON the form viewer wrote into `payload`."""
    if request.form.get("action") == "claim":
        claim_task(db_session(), actor(), task_id)
        commit()
        flash(_("You have claimed this task."), "success")
        return redirect(url_for("tasks.task_page", task_id=task_id))
    submitted: dict[str, Any] = {}
    try:
        submitted = parse_payload(request.form.get("payload"))
        step = _submit_with_retry(task_id, submitted)
    except InvalidFormData as err:
        db_session().rollback()
        return _render(task_id, status=422, errors=err.errors, submitted=submitted)
    except TaskAlreadyCompleted as err:
        db_session().rollback()
        return _render(task_id, status=409, submitted=submitted, conflict=_already_completed(err))
    flash(where_next(step), "success")
    return redirect(url_for("inbox.inbox"))


def _submit_with_retry(task_id: int, data: dict[str, Any]) -> NextStep:
    """Lost a race for the case (processes.tasks.ConcurrentUpdate)? Roll back and run once more:
    the second run sees the other transaction's result, e.g. TaskAlreadyCompleted."""
    session = db_session()
    for attempt in range(2):
        try:
            step = submit_task(session, actor(), task_id, data)
            commit()
            return step
        except ConcurrentUpdate:
            session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


# form-js's own validation messages (English only there), as the task page shows them; {x}: a value.
FORM_JS_MESSAGES = {
    "Field is required.": _l("Field is required."),
    "Field must be a valid email.": _l("Field must be a valid email."),
    "Value is not a number.": _l("Value is not a number."),
    "Field must have maximum length of {n}.": _l("Field must have maximum length of {n}."),
    "Field must have minimum length of {n}.": _l("Field must have minimum length of {n}."),
    "Field must have maximum value of {n}.": _l("Field must have maximum value of {n}."),
    "Field must have minimum value of {n}.": _l("Field must have minimum value of {n}."),
    "Field must match pattern {pattern}.": _l("Field must match pattern {pattern}."),
}


def _render(task_id: int, *, status: int = 200, errors: dict[str, str] | None = None,
            submitted: dict[str, Any] | None = None, conflict: str | None = None) -> Any:
    page = task_page(db_session(), actor(), task_id)
    data = page.data if conflict else {**page.data, **(submitted or {})}
    return render_template(
        "tasks/task.html", page=page, task=page.task, case=page.case, form_data=data,
        form=form_in(page.form, reading_language()) if page.form else page.form,
        errors={key: translated(message) for key, message in (errors or {}).items()},
        submitted=submitted if conflict else None, conflict=conflict,
        timeline=[(event, describe_event(event, page.tasks, page.groups)) for event in page.timeline],
        channel_label=channel_label, humanize=humanize, case_url=case_url(page.case.id),
        form_messages={english: str(local) for english, local in FORM_JS_MESSAGES.items()},
    ), status


def case_url(case_id: int) -> str | None:
    """The case page, when that blueprint is installed."""
    return url_for("cases.case_view", case_id=case_id) if "cases.case_view" in current_app.view_functions else None


def _already_completed(err: TaskAlreadyCompleted) -> str:
    try:
        when = local_datetime(datetime.fromisoformat(err.at))
    except ValueError:
        when = err.at
    return _("This task was already completed by %(name)s at %(time)s. Their work stands; "
             "your answer was not saved.", name=translated(err.by), time=when)


def where_next(step: NextStep) -> str:
    """One sentence for the person who just completed a task: where the case went."""
    ref = step.case.business_key or str(step.case.id)
    due = local_date(step.due_at) if step.due_at else None
    if step.closed:
        return _("Task completed; case %(ref)s is closed.", ref=ref)
    if step.move in ("handed_over", "rerouted") and step.office_title:
        words = {"office": step.office_title, "date": due}
        if step.move == "rerouted":
            return _("Rerouted to %(office)s, reply due %(date)s.", **words) if due else \
                _("Rerouted to %(office)s.", **words)
        return _("Handed over to %(office)s, reply due %(date)s.", **words) if due else \
            _("Handed over to %(office)s.", **words)
    if step.move == "returned_to_csu" and step.tasks:
        return _("Sent to the CSU: %(task)s (case %(ref)s).", task=task_name(step.tasks[0]), ref=ref)
    if step.tasks:
        return _("Task completed; next: %(task)s for %(office)s.", task=step.tasks[0].name,
                 office=step.office_title or "-")
    return _("Task completed (case %(ref)s).", ref=ref)
