"""Administration operations: users, groups, memberships and the lane mapping."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes import admin
from processes.authz import group_roles
from processes.cases import start_case
from processes.errors import Conflict, InvalidFormData, PermissionDenied
from processes.lane_mappings import delete_lane_mapping, list_lane_mappings, save_lane_mapping
from processes.lanes import LaneRule, lane_rules
from processes.models import Event, Task, User
from processes.users import check_password


def test_admin_creates_a_user_with_roles_and_it_is_audited(session: Session, people: dict[str, User]) -> None:
    user = admin.create_user(session, people["admin"], "Eva", display_name="Eva Env", email="eva@example.org",
                             roles=["officer", "manager"], password="long enough")

    assert (user.username, user.roles, user.active) == ("eva", ["officer", "manager"], True)
    assert check_password(user, "long enough")
    event = session.scalars(select(Event).where(Event.kind == "user_created")).one()
    assert event.actor_id == people["admin"].id and event.details == {"user": "eva", "roles": ["officer", "manager"]}


def test_creating_a_user_with_bad_input_lists_every_problem(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(InvalidFormData) as raised:
        admin.create_user(session, people["admin"], "officer", display_name=" ", email="nope", roles=["pope"],
                          password="short")

    assert set(raised.value.errors) == {"username", "display_name", "email", "roles", "password"}


def test_only_admins_manage_users_and_groups(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        admin.create_user(session, people["manager"], "eve", display_name="Eve", roles=[], password="12345678")
    with pytest.raises(PermissionDenied):
        admin.create_group(session, people["officer"], "environment", title="Environment")
    with pytest.raises(PermissionDenied):
        save_lane_mapping(session, people["csu"], "CSU", "waste", managers_only=False)


def test_an_admin_cannot_lock_themselves_out(session: Session, people: dict[str, User]) -> None:
    me = people["admin"]
    with pytest.raises(Conflict):
        admin.update_user(session, me, me.id, display_name="Admin", roles=["analyst"], active=True)
    with pytest.raises(Conflict):
        admin.update_user(session, me, me.id, display_name="Admin", roles=["admin"], active=False)


def test_deactivated_user_can_no_longer_log_in(session: Session, people: dict[str, User]) -> None:
    user = admin.update_user(session, people["admin"], people["officer"].id, display_name="Oskar",
                             roles=["officer"], active=False)
    assert not check_password(user, "pw")


def test_admin_creates_an_office_and_names_its_manager(session: Session, people: dict[str, User]) -> None:
    office = admin.create_group(session, people["admin"], "environment", title="Environment")
    admin.set_membership(session, people["admin"], people["officer"].id, office.id, manager=True)

    assert group_roles(session, people["officer"]) == {"streets_parks": False, "environment": True}
    admin.remove_membership(session, people["admin"], people["officer"].id, office.id)
    assert group_roles(session, people["officer"]) == {"streets_parks": False}


DIAGRAM_LANES = {"CSU": LaneRule("csu"), "Office": LaneRule("=office"),
                 "Office manager": LaneRule("=office", managers_only=True)}


@pytest.mark.usefixtures("deployed")
def test_the_lanes_of_the_deployed_processes_apply_while_no_mapping_is_stored(
        session: Session, people: dict[str, User]) -> None:
    rows, none_stored = list_lane_mappings(session, people["admin"])

    assert none_stored
    shown = {r.lane: LaneRule(r.group, r.managers_only) for r in rows}
    assert shown.items() >= DIAGRAM_LANES.items(), shown  # and the lanes of the other shipped routines
    assert all(r.id is None for r in rows)
    assert lane_rules(session, DIAGRAM_LANES) == DIAGRAM_LANES


@pytest.mark.usefixtures("deployed")
def test_a_stored_lane_overrides_the_diagram_and_keeps_the_others(session: Session, people: dict[str, User]) -> None:
    save_lane_mapping(session, people["admin"], "CSU", "waste", managers_only=False)

    rules = lane_rules(session, DIAGRAM_LANES)
    assert rules["CSU"].group == "waste"
    assert rules["Office"] == DIAGRAM_LANES["Office"]
    assert rules["Office manager"] == DIAGRAM_LANES["Office manager"]
    rows, none_stored = list_lane_mappings(session, people["admin"])
    assert not none_stored
    shown = {r.lane: (r.group, r.id is not None) for r in rows}
    assert shown["CSU"] == ("waste", True)
    assert shown["Office"] == ("=office", False) and shown["Office manager"] == ("=office", False)


def test_a_lane_must_map_to_an_existing_group_or_a_variable(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(InvalidFormData) as raised:
        save_lane_mapping(session, people["admin"], "CSU", "nowhere", managers_only=False)
    assert "group" in raised.value.errors
    with pytest.raises(InvalidFormData):
        save_lane_mapping(session, people["admin"], "Office", "=not a name", managers_only=False)


@pytest.mark.usefixtures("deployed")
def test_new_tasks_go_to_the_group_the_lane_is_mapped_to(session: Session, people: dict[str, User]) -> None:
    save_lane_mapping(session, people["admin"], "CSU", "waste", managers_only=False)

    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})

    task = session.scalars(select(Task).where(Task.case_id == case.id)).one()
    assert (task.element_id, task.group_name) == ("intake", "waste")


@pytest.mark.usefixtures("deployed")
def test_removing_the_stored_lane_brings_the_diagram_back(session: Session, people: dict[str, User]) -> None:
    save_lane_mapping(session, people["admin"], "CSU", "waste", managers_only=False)
    rows, _ = list_lane_mappings(session, people["admin"])
    for row in rows:
        if row.id is not None:
            delete_lane_mapping(session, people["admin"], row.id)

    case = start_case(session, people["csu"], "citizen_request", {"channel": "phone"})
    assert session.scalars(select(Task.group_name).where(Task.case_id == case.id)).one() == "csu"
