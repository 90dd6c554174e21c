"""Every route, as an administrator, on PostgreSQL: ids too large for any row and text with NUL bytes
get a client error, never a server error (PostgreSQL refuses both deep inside a query)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from test_permission_matrix import ARGUMENT, client_for, routes, world  # noqa: F401  (fixtures)

HUGE_IDS = (2**31, 2**63, 10**30)


@pytest.fixture
def migrated_url(pg_migrated_url: str) -> str:
    return pg_migrated_url


def with_ids(rule: str, real: dict[str, Any], value: int) -> str | None:
    """The rule with every integer argument set to `value` and the others real; None without one."""
    if "<int" not in rule:
        return None
    def fill(match: re.Match[str]) -> str:
        return str(value) if match.group(0).startswith("<int") else str(real[match.group(1)])
    return ARGUMENT.sub(fill, rule)


@pytest.mark.postgres
def test_ids_no_row_can_have_match_no_route(app: Flask, world: dict[str, Any]) -> None:  # noqa: F811
    client = client_for(app, "admin")
    headers = {"Authorization": f"Bearer {world['keys']['admin']}"}
    checked = 0
    for method, rule in routes(app):
        for value in HUGE_IDS:
            path = with_ids(rule, world["real"], value)
            if path is None:
                continue
            response = client.open(path, method=method, data={}, headers=headers)
            # 405 where werkzeug saw a rule of another method match first: a client error all the same
            assert response.status_code in (404, 405), (method, path, response.status_code)
            checked += 1
    assert checked > 50  # most routes name a case, task, user, group ... by id


@pytest.mark.postgres
def test_text_with_nul_bytes_is_refused_on_every_route(app: Flask, world: dict[str, Any]) -> None:  # noqa: F811
    client = client_for(app, "admin")
    headers = {"Authorization": f"Bearer {world['keys']['admin']}"}
    for method, rule in routes(app):
        if "<" in rule or rule == "/logout":
            continue
        if method == "GET":
            response = client.get(f"{rule}?q=pot%00hole", headers=headers)
        else:
            response = client.open(rule, method=method, data={"name": "a\x00b", "q": "x"}, headers=headers)
        assert response.status_code == 422, (method, rule, response.status_code)
        assert "NUL" in response.get_data(as_text=True)
