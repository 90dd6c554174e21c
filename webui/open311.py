"""Open311 GeoReport v2 at /open311/v2/: services, service definitions and service requests.

Field names, argument names and the error list follow the specification (wiki.open311.org/GeoReport_v2).
Reading is public as the specification has it; reporting needs an API key (`api_key`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from processes.apikeys import authenticate_api_key
from processes.errors import DomainError, InvalidFormData, NotFound, PermissionDenied
from processes.open311 import ServiceRequestInput, submit_service_request
from processes.open311_requests import get_service_request, search_service_requests, service_request_views
from processes.service_catalog import Service, find_service, list_services

from .extensions import csrf
from .open311_format import FORMATS, errors, render
from .session import commit, db_session

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)  # clients authenticate with api_key, not a cookie


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt", "xml")
    return fmt if fmt in FORMATS else "xml"


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    if isinstance(error, InvalidFormData):
        return errors(_format(), 400, [message for _, message in sorted(error.errors.items())])
    status = 404 if isinstance(error, NotFound) else 403 if isinstance(error, PermissionDenied) else 400
    return errors(_format(), status, [str(error)])


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return errors(_format(), error.code or 400, [error.description or error.name])


@bp.url_value_preprocessor
def check_format(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values is not None and values.get("fmt") not in FORMATS:
        raise NotFound(f"unknown format '{values.get('fmt')}': use json or xml")


@bp.get("/services.<fmt>")
def services(fmt: str) -> Response:
    return render(fmt, "services", [_service(s) for s in list_services(db_session())])


@bp.get("/services/<service_code>.<fmt>")
def service_definition(service_code: str, fmt: str) -> Response:
    service = find_service(db_session(), service_code)
    return render(fmt, "service_definition", {"service_code": service.code, "attributes": []})


@bp.post("/requests.<fmt>")
def create_request(fmt: str) -> Response:
    session = db_session()
    api_key = request.values.get("api_key", "").strip()
    if not api_key:
        raise PermissionDenied("api_key was not provided -- can't proceed with create_request.")
    key = authenticate_api_key(session, api_key)
    if key is None:
        raise PermissionDenied("Invalid api_key received -- can't proceed with create_request.")
    fields = {f.name: request.form.get(f.name, "") for f in dataclasses.fields(ServiceRequestInput)}
    case = submit_service_request(session, key, ServiceRequestInput(**fields))
    view = service_request_views(session, [case])[0]
    commit()
    created = {"service_request_id": case.business_key, "service_notice": view["service_notice"],
               "account_id": None}
    return render(fmt, "service_requests", [created], 201)


@bp.get("/requests.<fmt>")
def requests_list(fmt: str) -> Response:
    session = db_session()
    arg = request.args.get
    cases = search_service_requests(session, service_request_id=arg("service_request_id", ""),
                                    service_code=arg("service_code", ""), start_date=arg("start_date", ""),
                                    end_date=arg("end_date", ""), status=arg("status", ""))
    return render(fmt, "service_requests", service_request_views(session, cases))


@bp.get("/requests/<service_request_id>.<fmt>")
def request_detail(service_request_id: str, fmt: str) -> Response:
    session = db_session()
    case = get_service_request(session, service_request_id)
    return render(fmt, "service_requests", service_request_views(session, [case]))


def _service(service: Service) -> dict[str, Any]:
    return {"service_code": service.code, "service_name": service.name, "description": service.description,
            "metadata": False, "type": "realtime", "keywords": ", ".join(service.keywords),
            "group": service.office_title}
