"""The REST API: cases, tasks and processes as JSON, for clients holding a user's API key.

Every view calls the same operations as the pages, so a key acts with exactly its user's rights.
Errors are `{"error": message, "status": code, ...}` (see webui/errors.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, url_for
from werkzeug.exceptions import HTTPException

from processes import delivery, tasks
from processes.case_access import readable_case
from processes.case_search import MAX_LIMIT, search_cases
from processes.cases import case_dict, iso, start_case, task_dict
from processes.deployments import deploy_version
from processes.errors import InvalidFormData
from processes.models import Case, ProcessVersion
from processes.process_index import check_upload, list_process_versions

from ..errors import error_response
from ..extensions import csrf
from ..input_guard import whole_number
from ..session import commit, db_session
from .auth import api_actor, require_user_key
from .openapi import MAX_ID, MAX_TASKS
from .openapi import openapi_document as build_document

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # token-authenticated: no cookie, so no cross-site request to forge
bp.before_request(require_user_key)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Any:
    return error_response(error.code or 500, error.description or error.name)


@bp.get("/openapi.json")
def openapi_document() -> Any:
    return build_document()


@bp.get("/cases")
def list_cases() -> Any:
    page = search_cases(db_session(), api_actor(), text=request.args.get("q", ""),
                        office=request.args.get("office", ""), status=request.args.get("status", ""),
                        limit=_int_arg("limit", 50, MAX_LIMIT), after=_int_arg("after", None, MAX_ID))
    return {"cases": [case_summary(c) for c in page.cases], "next_after": page.next_after}


@bp.get(f"/cases/<int(min=1, max={MAX_ID}):case_id>")
def show_case(case_id: int) -> Any:
    session = db_session()
    return case_dict(session, readable_case(session, api_actor(), case_id))


@bp.post("/cases")
def create_case() -> Any:
    body = _json_body()
    key, data = body.get("process_key"), body.get("data", {})
    errors = {}
    if not isinstance(key, str) or not key.strip():
        errors["process_key"] = "the key of a deployed process is required"
    if not isinstance(data, dict):
        errors["data"] = "data must be a JSON object"
    if errors or not isinstance(key, str):
        raise InvalidFormData(errors)
    session = db_session()
    case = start_case(session, api_actor(), key.strip(), data)
    commit()
    return case_dict(session, case), 201, {"Location": url_for("api.show_case", case_id=case.id)}


@bp.post(f"/cases/<int(min=1, max={MAX_ID}):case_id>/messages")
def send_message(case_id: int) -> Any:
    name, data = _delivery_body()
    session = db_session()
    case = delivery.send_message(session, api_actor(), case_id, name, data)
    commit()
    return case_dict(session, case)


@bp.post(f"/cases/<int(min=1, max={MAX_ID}):case_id>/signals")
def send_signal(case_id: int) -> Any:
    name, data = _delivery_body()
    session = db_session()
    case = delivery.send_signal(session, api_actor(), case_id, name, data)
    commit()
    return case_dict(session, case)


@bp.post("/messages")
def correlate_message() -> Any:
    """A message to the case with the given business key (the reference the citizen and other systems know);
    without one, to the case its BPMN correlation values name, or a new case of the process it starts."""
    name, data = _delivery_body()
    key = _json_body().get("business_key")
    session = db_session()
    if key is None:
        found = delivery.correlate_message(session, api_actor(), name, data)
        commit()
        if found.started:
            return case_dict(session, found.case), 201, {"Location": url_for("api.show_case", case_id=found.case.id)}
        return case_dict(session, found.case)
    if not isinstance(key, str) or not key.strip() or key.strip().isdigit():
        raise InvalidFormData({"business_key": "the business key of the case (e.g. PA-2026-000123), or none "
                                               "to correlate by the payload"})
    case = delivery.send_message(session, api_actor(), key.strip(), name, data)
    commit()
    return case_dict(session, case)


@bp.post("/signals")
def broadcast_signal() -> Any:
    name, data = _delivery_body()
    after = _json_body().get("after", 0)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= MAX_ID:
        raise InvalidFormData({"after": f"after must be a whole number from 0 to {MAX_ID}"})
    result = delivery.broadcast_signal(db_session(), api_actor(), name, data, after=after)
    commit()
    return {"delivered": result.delivered, "failed": {str(k): v for k, v in result.failed.items()},
            "next_after": result.next_after}


@bp.get("/tasks")
def list_tasks() -> Any:
    rows = tasks.list_tasks(db_session(), api_actor(), group=request.args.get("group") or None,
                            limit=_int_arg("limit", 100, MAX_TASKS))
    return {"tasks": [task_dict(t) for t in rows]}


@bp.post(f"/tasks/<int(min=1, max={MAX_ID}):task_id>/claim")
def claim_task(task_id: int) -> Any:
    task = tasks.claim_task(db_session(), api_actor(), task_id)
    commit()
    return task_dict(task)


@bp.post(f"/tasks/<int(min=1, max={MAX_ID}):task_id>/unclaim")
def unclaim_task(task_id: int) -> Any:
    task = tasks.unclaim_task(db_session(), api_actor(), task_id)
    commit()
    return task_dict(task)


@bp.post(f"/tasks/<int(min=1, max={MAX_ID}):task_id>/complete")
def complete_task(task_id: int) -> Any:
    data = _json_body().get("data", {})
    if not isinstance(data, dict):
        raise InvalidFormData({"data": "data must be a JSON object with the form's fields"})
    task = tasks.complete_task(db_session(), api_actor(), task_id, data)
    commit()
    return task_dict(task)


@bp.get("/processes")
def list_processes() -> Any:
    return {"processes": [version_summary(v) for v in list_process_versions(db_session(), api_actor())]}


@bp.post("/processes")
def deploy_processes() -> Any:
    files = check_upload(_json_body().get("files"))
    results = deploy_version(db_session(), api_actor(), files)
    commit()
    created = any(new for _, new in results)
    return {"deployed": [{**version_summary(v), "created": new} for v, new in results]}, 201 if created else 200


def case_summary(case: Case) -> dict[str, Any]:
    """A case in a list: what identifies and places it, without its data and history."""
    return {
        "id": case.id, "business_key": case.business_key, "process_key": case.process_key,
        "status": case.status, "office": case.office, "channel": case.channel, "category": case.category,
        "citizen_name": case.citizen_name, "due_at": iso(case.due_at), "created_at": iso(case.created_at),
        "closed_at": iso(case.closed_at),
    }


def version_summary(version: ProcessVersion) -> dict[str, Any]:
    return {
        "key": version.key, "version": version.version, "name": version.name, "status": version.status,
        "content_hash": version.content_hash, "deployed_at": iso(version.deployed_at),
        "files": [f.name for f in version.files],
    }


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidFormData({"body": "the request body must be a JSON object (Content-Type: application/json)"})
    return body


def _delivery_body() -> tuple[Any, Any]:
    """The name and data as sent: the operation checks them, after it checked the caller may deliver."""
    body = _json_body()
    return body.get("name"), body.get("data", {})


def _int_arg(name: str, default: int | None, highest: int) -> Any:
    number = whole_number(request.args.get(name), name, highest=highest)
    return default if number is None else number
