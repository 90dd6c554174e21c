"""The OpenAPI 3.1 document of the REST API (and of Open311), written as data.

tests/webui/test_api.py checks that every route under /api and /open311 is described here and
that nothing described here is missing from the app; schemathesis checks the rest against it.
"""

from __future__ import annotations

import copy
from typing import Any

from processes.case_search import MAX_LIMIT
from processes.start_data import COLUMN_FIELDS

from .openapi_open311 import OPEN311_PATHS, OPEN311_SCHEMAS

MAX_TASKS = 500  # the most tasks GET /api/tasks returns at once
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_TEXT = {"type": ["string", "null"]}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": json_content(ref("Error"))}


def ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": json_content(ref(schema))}


def body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": json_content(ref(schema))}


AUTH_ERRORS = {"401": error("No API key, or an unknown, revoked or inactive one"),
               "403": error("The key's user may not do this, or the key is an app key (Open311 only)")}
INVALID = {"422": error("Invalid input; `errors` maps each field to its message")}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": ID}


def limit_param(default: int, highest: int) -> dict[str, Any]:
    return {"name": "limit", "in": "query", "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": highest, "default": default}}


def query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def task_action(summary: str, extra: dict[str, Any], request: str | None = None) -> dict[str, Any]:
    operation = {"summary": summary, "tags": ["tasks"], "parameters": [TASK_ID],
                 "responses": {"200": ok("The task as it is now", "Task"), **AUTH_ERRORS,
                               "404": error("No such task"), **extra}}
    if request:
        operation["requestBody"] = body(request)
    return operation


NOT_WAITING = {"409": error("The case does not wait for a message or signal of this name (or is closed)")}


def delivery(summary: str, schema: str) -> dict[str, Any]:
    return {"summary": summary, "tags": ["messages"],
            "parameters": [{"name": "case_id", "in": "path", "required": True, "schema": ID}],
            "requestBody": body("Delivery"),
            "responses": {"200": ok("The case after the delivery", schema), **AUTH_ERRORS,
                          "404": error("No such case"), **NOT_WAITING, **INVALID}}


PATHS: dict[str, Any] = {
    "/api/openapi.json": {"get": {
        "summary": "This document", "tags": ["meta"], "security": [],
        "responses": {"200": {"description": "The OpenAPI document", "content": json_content({"type": "object"})}},
    }},
    "/api/cases": {
        "get": {
            "summary": "Cases I may see, newest first", "tags": ["cases"],
            "parameters": [
                query("status", "Only cases in this state",
                      {"type": "string", "enum": ["open", "closed", "cancelled"]}),
                query("office", "Only cases routed to this office (group name)"),
                query("q", "Citizen name or e-mail, case reference, description text, or case id"),
                limit_param(50, MAX_LIMIT),
                query("after", "The `next_after` of the previous page", ID),
            ],
            "responses": {"200": ok("One page of cases", "CaseList"), **AUTH_ERRORS, **INVALID},
        },
        "post": {
            "summary": "Start a case of a deployed process", "tags": ["cases"], "requestBody": body("StartCase"),
            "responses": {"201": {**ok("The new case", "Case"), "headers": {"Location": {
                              "description": "The case's URL", "schema": {"type": "string"}}}}, **AUTH_ERRORS,
                          "404": error("No deployed process with this key"), **INVALID},
        },
    },
    "/api/cases/{case_id}": {"get": {
        "summary": "One case with its open tasks and its event log", "tags": ["cases"],
        "parameters": [{"name": "case_id", "in": "path", "required": True, "schema": ID}],
        "responses": {"200": ok("The case", "Case"), **AUTH_ERRORS, "404": error("No such case")},
    }},
    "/api/cases/{case_id}/messages": {"post": delivery(
        "Deliver a BPMN message to the case, which must wait for it (a receive task or catch event)", "Case")},
    "/api/cases/{case_id}/signals": {"post": delivery("Deliver a BPMN signal to this case only", "Case")},
    "/api/messages": {"post": {
        "summary": "Deliver a BPMN message to the case with this business key; without one, to the one case "
                   "whose BPMN correlation values the payload carries, or else start a case of the process "
                   "that starts with this message", "tags": ["messages"],
        "requestBody": body("CorrelatedMessage"),
        "responses": {"200": ok("The case after the message", "Case"),
                      "201": ok("The case the message started", "Case"), **AUTH_ERRORS,
                      "404": error("No case with this business key"),
                      "409": error("The case does not wait for the message; or, without a business key, no case "
                                   "or several cases correlate and no single process starts with it"), **INVALID},
    }},
    "/api/signals": {"post": {
        "summary": "Broadcast a BPMN signal to the open cases waiting for it, 100 at a time (administrators): "
                   "send again with `after` set to `next_after` until it is null",
        "tags": ["messages"], "requestBody": body("Broadcast"),
        "responses": {"200": ok("The cases that caught it, and those whose process failed", "BroadcastResult"),
                      **AUTH_ERRORS, **INVALID},
    }},
    "/api/tasks": {"get": {
        "summary": "Open tasks I may work on: mine, and the unclaimed ones of my groups; by due date",
        "tags": ["tasks"],
        "parameters": [query("group", "Only tasks of this group"), limit_param(100, MAX_TASKS)],
        "responses": {"200": ok("The tasks", "TaskList"), **AUTH_ERRORS, **INVALID},
    }},
    "/api/tasks/{task_id}/claim": {"post": task_action(
        "Claim a task of one of my groups", {"409": error("Completed, cancelled, or claimed by someone else")})},
    "/api/tasks/{task_id}/unclaim": {"post": task_action(
        "Give a claimed task back to its group", {"409": error("The task is no longer open")})},
    "/api/tasks/{task_id}/complete": {"post": task_action(
        "Complete a task with its form data",
        {"409": error("Completed by someone else first, or claimed by someone else"), **INVALID},
        "CompleteTask")},
    "/api/processes": {
        "get": {
            "summary": "Every version of every process", "tags": ["processes"],
            "responses": {"200": ok("The versions", "ProcessList"), **AUTH_ERRORS},
        },
        "post": {
            "summary": "Deploy BPMN, DMN and form files as new versions (administrators)", "tags": ["processes"],
            "requestBody": body("Deploy"),
            "responses": {"200": ok("Nothing changed: identical to the newest versions", "DeployResult"),
                          "201": ok("New versions deployed", "DeployResult"), **AUTH_ERRORS,
                          "422": error("The files do not validate; `problems` lists each as "
                                       "'file:element: message'")},
        },
    },
}

TASK_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"}, "case_id": {"type": "integer"}, "element_id": {"type": "string"},
    "name": {"type": "string"}, "lane": NULLABLE_TEXT, "group": NULLABLE_TEXT, "assignee": NULLABLE_TEXT,
    "status": {"type": "string", "enum": ["open", "completed", "cancelled"]}, "form": NULLABLE_TEXT,
    "due_at": TIMESTAMP, "created_at": TIMESTAMP, "completed_at": TIMESTAMP, "completed_by": NULLABLE_TEXT,
}
SUMMARY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"}, "business_key": NULLABLE_TEXT, "process_key": {"type": "string"},
    "status": {"type": "string", "enum": ["open", "closed", "cancelled"]}, "office": NULLABLE_TEXT,
    "channel": NULLABLE_TEXT, "category": NULLABLE_TEXT, "due_at": TIMESTAMP, "created_at": TIMESTAMP,
    "closed_at": TIMESTAMP,
}
EVENT = {"type": "object", "required": ["at", "kind"], "properties": {
    "at": TIMESTAMP, "kind": {"type": "string"}, "element_id": NULLABLE_TEXT,
    "task_id": {"type": ["integer", "null"]}, "office": NULLABLE_TEXT, "actor": NULLABLE_TEXT,
    "details": {"type": ["object", "null"]}}}
WAIT = {"type": "object", "required": ["element_id", "kind", "name", "due_at"], "properties": {
    "element_id": {"type": "string"}, "kind": {"type": "string", "examples": ["message", "signal", "timer"]},
    "name": {"type": "string"}, "due_at": TIMESTAMP,
    "correlation": {"type": "object", "description": "A message with BPMN correlation: the values it must carry"}}}
DELIVERY_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200, "example": "citizen_reply"},
    "data": {"type": "object", "description": "The payload; it joins the case data"},
}
VERSION_PROPERTIES: dict[str, Any] = {
    "key": {"type": "string"}, "version": {"type": "integer"}, "name": {"type": "string"},
    "status": {"type": "string", "enum": ["draft", "deployed", "retired"]}, "content_hash": {"type": "string"},
    "deployed_at": TIMESTAMP, "files": {"type": "array", "items": {"type": "string"}},
}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": required if required is not None else list(properties),
            "properties": properties}


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error", "status"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "problems": {"type": "array", "items": {"type": "string"}}}},
    "Task": _object(TASK_PROPERTIES),
    "TaskList": _object({"tasks": {"type": "array", "items": ref("Task")}}),
    "CaseSummary": _object({**SUMMARY_PROPERTIES, "citizen_name": NULLABLE_TEXT}),
    "CaseList": _object({"cases": {"type": "array", "items": ref("CaseSummary")},
                         "next_after": {"type": ["integer", "null"]}}),
    "Case": _object({**SUMMARY_PROPERTIES, "version": {"type": ["integer", "null"]}, "data": {"type": "object"},
                     "waiting": {"type": "array", "items": WAIT},
                     "stuck": {"type": "array", "items": {"type": "string"},
                               "description": "Element ids, when the case can neither move nor wait"},
                     "open_tasks": {"type": "array", "items": ref("Task")},
                     "events": {"type": "array", "items": EVENT}}),
    "StartCase": _object({"process_key": {"type": "string", "minLength": 1, "example": "my_process"},
                          "data": {"type": "object", "description": (
                              "The process's start data. The fields its diagram names for the case's own "
                              "columns must be text that fits them: "
                              + ", ".join(f"{prop} ({limit} characters)" for prop, limit in COLUMN_FIELDS.items())
                              + " (docs/routines.md)")}},
                         ["process_key"]),
    "CompleteTask": _object({"data": {"type": "object", "description": "The form's fields by key"}}, []),
    "Delivery": _object(DELIVERY_PROPERTIES, ["name"]),
    "CorrelatedMessage": _object({**DELIVERY_PROPERTIES, "business_key": {
        "type": "string", "minLength": 1, "example": "PA-2026-000123",
        "description": "Leave out to find the case by the payload's correlation values"}}, ["name"]),
    "Broadcast": _object({**DELIVERY_PROPERTIES, "after": {
        "type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0,
        "description": "The `next_after` of the previous batch"}}, ["name"]),
    "BroadcastResult": _object({"delivered": {"type": "array", "items": {"type": "integer"}},
                                "failed": {"type": "object", "additionalProperties": {"type": "string"}},
                                "next_after": {"type": ["integer", "null"]}}),
    "ProcessVersion": _object(VERSION_PROPERTIES),
    "ProcessList": _object({"processes": {"type": "array", "items": ref("ProcessVersion")}}),
    "Deploy": _object({"files": {"type": "object", "minProperties": 1,
                                 "additionalProperties": {"type": "string"},
                                 "description": "File name (ending .bpmn, .dmn or .form) to its content"}}),
    "DeployResult": _object({"deployed": {"type": "array", "items": _object(
        {**VERSION_PROPERTIES, "created": {"type": "boolean"}})}}),
}


def openapi_document() -> dict[str, Any]:
    """The whole document, a fresh copy each call so no caller can change the shared parts."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "OneStop API", "version": "1",
                 "description": "Cases, tasks and processes of OneStop for clients holding an API key of a "
                                "user (`onestop api-key create --name APP --user NAME`); the key acts with that "
                                "user's rights. Open311 GeoReport v2 is served under /open311/v2/."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {**PATHS, **OPEN311_PATHS},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API key: `Authorization: Bearer os_...`"}},
            "schemas": {**SCHEMAS, **OPEN311_SCHEMAS},
        },
    })
