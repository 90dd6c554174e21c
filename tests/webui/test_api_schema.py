"""Schemathesis against /api/openapi.json on the real app: no input makes the server fail (5xx), and
every answer has a status, content type and JSON shape the document describes. Bounded: a few
examples per operation, valid and invalid, so both backends together take well under a minute."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key
from processes.cases import start_case
from processes.models import User
from tests.cases_factory import open_task

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Per operation and generation mode (16 an operation); ONESTOP_FUZZ_EXAMPLES=200 for a deeper hunt by hand.
EXAMPLES = int(os.environ.get("ONESTOP_FUZZ_EXAMPLES", "8"))


def _key(session: Session, user: User | None) -> str:
    _, plaintext = create_api_key(session, None, "schemathesis", user)
    session.commit()
    return plaintext


def _steer(case: Any, mode: GenerationMode, app_key: str, task_id: int) -> None:
    """Point valid requests at things that exist, so the fuzzer gets past 'not found'."""
    if mode is not GenerationMode.POSITIVE:
        return
    if case.operation.path == "/open311/v2/requests.{format}" and isinstance(case.body, dict):
        case.body.update(api_key=app_key, service_code="pothole")
    elif case.operation.path == "/api/cases" and case.method == "POST" and isinstance(case.body, dict):
        case.body["process_key"] = "citizen_request"
    elif case.operation.path.startswith("/api/tasks/{task_id}") and case.path_parameters:
        case.path_parameters["task_id"] = task_id


def _fuzz(operation: Any, headers: dict[str, str], app_key: str, task_id: int) -> None:
    strategies = [operation.as_strategy(mode).map(lambda case, m=mode: (case, m))
                  for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]

    @given(st.one_of(*strategies))
    @settings(max_examples=2 * EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 8,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(generated: tuple[Any, GenerationMode]) -> None:
        case, mode = generated
        _steer(case, mode, app_key, task_id)
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.slow
def test_no_request_described_by_the_openapi_document_fails_the_server(app: Flask, session: Session,
                                                                       people: dict[str, User]) -> None:
    headers = {"Authorization": f"Bearer {_key(session, people['admin'])}"}
    app_key = _key(session, None)
    intake_case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    session.commit()
    task_id = open_task(session, intake_case, "intake").id
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 18  # every operation but the document itself
    failures = {}
    for operation in operations:  # every operation gets its turn, even after another one failed
        try:
            _fuzz(operation, headers, app_key, task_id)
        except Exception as failure:  # noqa: BLE001 - reported below, all together
            failures[operation.label] = failure
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())
