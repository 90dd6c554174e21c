"""The claim-to-groups mapping of single sign-on: what it accepts, what it refuses, what it grants."""

from __future__ import annotations

import pytest

from processes.sso_accounts import claim_values, grants_for, parse_group_map


def test_a_mapping_grants_roles_groups_and_management() -> None:
    mapping = parse_group_map('{"heads": ["role:manager", "manager:streets_parks"], '
                              '"staff": ["role:officer", "group:streets_parks", "group:waste"]}')
    grants = grants_for(["staff", "heads", "unknown"], mapping)
    assert grants.roles == {"manager", "officer"}
    assert grants.groups == {"streets_parks": True, "waste": False}  # manager wins over member


def test_no_mapping_grants_nothing() -> None:
    assert parse_group_map(None) == parse_group_map("  ") == {}
    assert grants_for(["anything"], {}).roles == set()


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "is not JSON"),
    ('["role:admin"]', "must be a JSON object"),
    ('{"x": "role:admin"}', "must be a list of strings"),
    ('{"x": ["admin"]}', "is not role:NAME, group:NAME or manager:NAME"),
    ('{"x": ["role:wizard"]}', "unknown role 'wizard'"),
    ('{"x": ["group:Bad Name"]}', "is not role:NAME"),
])
def test_a_broken_mapping_is_refused_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_group_map(text)


@pytest.mark.parametrize(("claims", "values"), [
    ({"groups": ["a", "b"]}, ["a", "b"]),
    ({"groups": "a"}, ["a"]),
    ({"groups": ["a", 3, None]}, ["a"]),
    ({"groups": {"a": 1}}, []),
    ({}, []),
])
def test_claim_values_come_as_a_list_or_one_string(claims: dict[str, object], values: list[str]) -> None:
    assert claim_values(claims, "groups") == values
