"""The Open311 GeoReport v2 part of the OpenAPI document (field names as in the specification)."""

from __future__ import annotations

from typing import Any

TEXT = {"type": ["string", "null"]}
W3C = {"type": ["string", "null"], "format": "date-time"}
FORMAT = {"name": "format", "in": "path", "required": True, "description": "Response format",
          "schema": {"type": "string", "enum": ["json", "xml"]}}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False,
                "description": "Ignored: this endpoint serves one jurisdiction", "schema": {"type": "string"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _either(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """JSON or XML, as the {format} of the path asks."""
    return {"description": description, "content": {"application/json": {"schema": schema},
                                                    "text/xml": {"schema": {"type": "string"}}}}


def _errors(**statuses: str) -> dict[str, Any]:
    return {code.lstrip("_"): _either(text, _ref("Open311Errors")) for code, text in statuses.items()}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string"}}


REQUEST_FIELDS: dict[str, Any] = {
    "api_key": {"type": "string", "description": "An API key from `onestop api-key create`"},
    "jurisdiction_id": {"type": "string"},
    "service_code": {"type": "string", "description": "From the service list"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {"type": "string", "maxLength": 200},
    "address_id": {"type": "string", "maxLength": 200},
    "email": {"type": "string"},
    "device_id": {"type": "string"},
    "account_id": {"type": "string"},
    "first_name": {"type": "string"},
    "last_name": {"type": "string"},
    "phone": {"type": "string"},
    "description": {"type": "string", "maxLength": 4000},
    "media_url": {"type": "string"},
}

OPEN311_PATHS: dict[str, Any] = {
    "/open311/v2/services.{format}": {"get": {
        "summary": "Open311: the service list (our request categories)", "tags": ["open311"], "security": [],
        "parameters": [FORMAT, JURISDICTION],
        "responses": {"200": _either("The services", {"type": "array", "items": _ref("Open311Service")}),
                      **_errors(_400="General service error", _404="Unknown format")},
    }},
    "/open311/v2/services/{service_code}.{format}": {"get": {
        "summary": "Open311: a service definition (no extra attributes)", "tags": ["open311"], "security": [],
        "parameters": [{"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}},
                       FORMAT, JURISDICTION],
        "responses": {"200": _either("The definition", _ref("Open311ServiceDefinition")),
                      **_errors(_400="General service error", _404="Unknown service_code or format")},
    }},
    "/open311/v2/requests.{format}": {
        "get": {
            "summary": "Open311: service requests (the last 90 days unless dates are given; at most 1000)",
            "tags": ["open311"], "security": [],
            "parameters": [FORMAT, JURISDICTION,
                           _query("service_request_id", "Comma-separated ids; overrides every other filter"),
                           _query("service_code", "Comma-separated service codes"),
                           _query("start_date", "W3C date-time, e.g. 2010-01-01T00:00:00Z"),
                           _query("end_date", "W3C date-time; at most 90 days after start_date"),
                           _query("status", "open, closed, or both comma-separated")],
            "responses": {"200": _either("The requests", {"type": "array", "items": _ref("Open311Request")}),
                          **_errors(_400="Bad filter (date, range or status)", _404="Unknown format")},
        },
        "post": {
            "summary": "Open311: report a service request (needs api_key)", "tags": ["open311"], "security": [],
            "parameters": [FORMAT],
            "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "required": ["api_key", "service_code"], "properties": REQUEST_FIELDS}}}},
            "responses": {"201": _either("The request was created",
                                         {"type": "array", "items": _ref("Open311Created")}),
                          **_errors(_400="Missing or invalid argument", _403="Missing or invalid api_key",
                                    _404="Unknown service_code or format")},
        },
    },
    "/open311/v2/requests/{service_request_id}.{format}": {"get": {
        "summary": "Open311: one service request", "tags": ["open311"], "security": [],
        "parameters": [{"name": "service_request_id", "in": "path", "required": True,
                        "schema": {"type": "string"}}, FORMAT, JURISDICTION],
        "responses": {"200": _either("A list holding the request", {"type": "array", "items": _ref("Open311Request")}),
                      **_errors(_400="General service error", _404="Unknown service_request_id or format")},
    }},
}

OPEN311_SCHEMAS: dict[str, Any] = {
    "Open311Errors": {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                                 "properties": {"code": {"type": "integer"},
                                                                "description": {"type": "string"}}}},
    "Open311Service": {"type": "object", "required": ["service_code", "service_name", "description", "metadata",
                                                      "type", "keywords", "group"],
                       "properties": {"service_code": {"type": "string"}, "service_name": {"type": "string"},
                                      "description": {"type": "string"}, "metadata": {"type": "boolean"},
                                      "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                                      "keywords": {"type": "string"}, "group": TEXT}},
    "Open311ServiceDefinition": {"type": "object", "required": ["service_code", "attributes"],
                                 "properties": {"service_code": {"type": "string"},
                                                "attributes": {"type": "array", "items": {"type": "object"}}}},
    "Open311Created": {"type": "object", "required": ["service_request_id", "service_notice", "account_id"],
                       "properties": {"service_request_id": {"type": "string"}, "service_notice": TEXT,
                                      "account_id": TEXT}},
    "Open311Request": {"type": "object", "required": ["service_request_id", "status", "service_code",
                                                      "requested_datetime", "updated_datetime"],
                       "properties": {
                           "service_request_id": {"type": "string"},
                           "status": {"type": "string", "enum": ["open", "closed"]},
                           "status_notes": TEXT, "service_name": TEXT, "service_code": {"type": "string"},
                           "description": TEXT, "agency_responsible": TEXT, "service_notice": TEXT,
                           "requested_datetime": W3C, "updated_datetime": W3C, "expected_datetime": W3C,
                           "address": TEXT, "address_id": TEXT, "zipcode": TEXT,
                           "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]},
                           "media_url": TEXT}},
}
