"""The OneStop properties of a routine (engine.routine): read into the bundle, checked before deploy."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import default_prefix, evaluate_expression, load_bundle, validate

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
SERVICES = ("compute_due_date", "notify_citizen")
MAIN = "citizen_request.bpmn"


def shipped() -> dict[str, str]:
    return {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}


def edited(old: str, new: str) -> dict[str, str]:
    files = shipped()
    assert old in files[MAIN], old
    files[MAIN] = files[MAIN].replace(old, new, 1)
    return files


def test_the_bundle_carries_process_element_and_lane_properties() -> None:
    bundle = load_bundle(shipped())
    assert bundle.properties["business_key_prefix"] == bundle.business_key_prefix == "CR"
    assert bundle.properties["citizen_channel"] == "true"
    assert bundle.properties["category_field"] == "category"
    assert bundle.element_with_role("intake") == "intake"
    assert bundle.elements_with("role", "follow_up") == ["follow_up_overdue"]
    assert bundle.element_properties["handle_request"]["answered_when"] == "outcome == 'resolved'"
    # name_sv: the lane's Swedish name (docs/translations.md)
    assert bundle.lane_properties["Office manager"] == {"group": "=office", "managers_only": "true",
                                                        "name_sv": "Förvaltningschef"}
    assert bundle.lane_properties["CSU"] == {"group": "csu", "name_sv": "Kontaktcenter"}
    assert bundle.element_properties["handle_request"]["info_request_when"] == "outcome == 'need_info'"
    assert bundle.properties["citizen_email_field"] == "citizen_email"


def test_field_properties_may_name_form_fields_decision_outputs_and_script_service_and_message_variables() -> None:
    # office: the route_request table's output and a script's; due_at: compute_due_date's result variable;
    # citizen_reply: a field of the contact form; the rest: intake form fields.
    assert validate(shipped(), services=SERVICES) == []
    files = edited('name="reply_field" value="citizen_reply"', 'name="reply_field" value="reroute_count"')
    assert validate(files, services=SERVICES) == []  # set by the Open case script


def test_without_a_prefix_the_initials_of_the_process_id_are_used() -> None:
    files = edited('<spiffworkflow:property name="business_key_prefix" value="CR" />', "")
    assert load_bundle(files).business_key_prefix == "CR"
    assert default_prefix("permit_application") == "PA"
    assert default_prefix("x") == "X"
    assert default_prefix("_9") == "P"


def test_answered_when_runs_in_the_sandbox() -> None:
    assert evaluate_expression("outcome == 'resolved'", {"outcome": "resolved"}) is True
    assert evaluate_expression("outcome == 'resolved'", {"outcome": "need_info"}) is False
    with pytest.raises(SyntaxError):
        evaluate_expression("__import__('os')", {})
    with pytest.raises(NameError):
        evaluate_expression("outcome == 'resolved'", {})


BAD = [
    ('value="CR" />', 'value="cr-1" />', "citizen_request", "business_key_prefix 'cr-1'"),
    ('name="start_groups" value="csu"', 'name="start_groups" value="csu, Bad Group"', "citizen_request",
     "start_groups: 'Bad Group'"),
    ('name="citizen_channel" value="true"', 'name="citizen_channel" value="yes"', "citizen_request",
     "citizen_channel must be true or false"),
    ('name="category_field" value="category"', 'name="category_field" value="colour"', "citizen_request",
     "category_field 'colour' is not a field of the intake form"),
    ('name="role" value="intake"', 'name="role" value="reception"', "intake", "unknown role 'reception'"),
    ('name="role" value="follow_up"', 'name="role" value="intake"', "follow_up_overdue",
     "only one task may have role intake"),
    ("value=\"outcome == 'resolved'\"", 'value="outcome ==="', "handle_request", "answered_when: "),
    ("value=\"outcome == 'resolved'\"", "value=\"__import__('os')\"", "handle_request", "answered_when: "),
    ('name="group" value="csu"', 'name="group" value="CSU staff"', "lane_csu", "lane group: 'CSU staff'"),
    ('name="group" value="=office" />\n            <spiffworkflow:property name="name_sv" value="Förvaltning" />',
     'name="group" value="=1office" />', "lane_office",
     "lane group: '=' must be followed"),
    ('name="managers_only" value="true"', 'name="managers_only" value="1"', "lane_office_manager",
     "managers_only must be true or false"),
    ("value=\"outcome == 'need_info'\"", 'value="outcome =="', "handle_request", "info_request_when: "),
    ('name="citizen_email_field" value="citizen_email"', 'name="citizen_email_field" value="e-mail"',
     "citizen_request", "citizen_email_field 'e-mail' is not a form field key"),
    ('name="office_field" value="office"', 'name="office_field" value="unit"', "citizen_request",
     "office_field: the process has no 'unit'"),
    ('name="due_field" value="due_at"', 'name="due_field" value="deadline"', "citizen_request",
     "due_field: the process has no 'deadline'"),
]


@pytest.mark.parametrize(("old", "new", "element", "message"), BAD, ids=[b[3][:30] for b in BAD])
def test_a_bad_property_is_a_problem_on_its_element(old: str, new: str, element: str, message: str) -> None:
    problems = validate(edited(old, new), services=SERVICES)
    assert problems, "passed validation"
    assert (problems[0].file, problems[0].element_id) == (MAIN, element), problems
    assert problems[0].message.startswith(message), problems[0].message


def test_two_processes_cannot_both_take_citizens_requests() -> None:
    files = shipped()
    files["copy.bpmn"] = (files[MAIN].replace('id="citizen_request"', 'id="citizen_copy"')
                          .replace('processRef="citizen_request"', 'processRef="citizen_copy"'))
    problems = validate(files, services=SERVICES)
    assert any("citizen_channel is set on more than one process" in p.message for p in problems), problems
