"""validate() names the file, the element and the reason for every broken file in tests/engine/broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import InvalidProcess, load_bundles, validate

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken"
BPMN_DIR = HERE.parents[1] / "bpmn"
SERVICES = ("compute_due_date", "notify_citizen")

# file -> (element id, start of the message)
EXPECTED = {
    "malformed_xml.bpmn": ("", "XML syntax error: "),
    "no_start_event.bpmn": ("broken", "process has no start event"),
    "task_outside_lane.bpmn": ("ask", "user task is not in any lane"),
    "missing_decision.bpmn": ("route", "decision 'no_such_table' is missing"),
    "missing_form.bpmn": ("ask", "form file 'no_such.form' is missing"),
    "bad_condition.bpmn": ("f_yes", "condition: "),
    "script_syntax_error.bpmn": ("calc", "script: "),
    "script_imports_os.bpmn": ("calc", "script: "),
    "schema_error.bpmn": ("ask", "schema: "),
    "external_entity.bpmn": ("", "DOCTYPE declarations are not allowed"),
    "unknown_service.bpmn": ("send", "unknown service 'send_fax'"),
    "id_clashes_with_operator.bpmn": ("notify_citizen", "id 'notify_citizen' is also the id of a service"),
    "bad_timer.bpmn": ("wait", "timer expression: "),
    "bad_rule.dmn": ("rule_pothole", "rule entry '\"streets_parks'"),
    "bad_form.form": ("", "invalid JSON: "),
}


def shipped() -> dict[str, str]:
    return {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}


def test_the_shipped_processes_are_valid() -> None:
    assert validate(shipped(), services=SERVICES) == []


def test_every_broken_file_has_an_expectation() -> None:
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_reported_with_element_and_reason(name: str) -> None:
    element_id, message = EXPECTED[name]
    problems = validate({name: (BROKEN / name).read_text()}, services=SERVICES)
    assert problems, f"{name} passed validation"
    first = problems[0]
    assert (first.file, first.element_id) == (name, element_id), problems
    assert first.message.startswith(message), first.message
    assert str(first).startswith(f"{name}:{element_id or '-'}: ")


def test_a_script_import_is_refused_at_validation_with_a_line() -> None:
    [problem] = validate({"s.bpmn": (BROKEN / "script_imports_os.bpmn").read_text()}, services=SERVICES)
    assert "import" in problem.message.lower()
    assert problem.line is not None


def test_problems_in_several_files_are_all_reported() -> None:
    files = {name: (BROKEN / name).read_text() for name in ("missing_form.bpmn", "bad_form.form")}
    reported = {p.file for p in validate(files, services=SERVICES)}
    assert reported == {"missing_form.bpmn", "bad_form.form"}


def test_loading_a_broken_bundle_raises_with_all_problems() -> None:
    with pytest.raises(InvalidProcess) as err:
        load_bundles({"task_outside_lane.bpmn": (BROKEN / "task_outside_lane.bpmn").read_text()})
    assert err.value.problems[0].element_id == "ask"


def test_billion_laughs_is_refused_without_expanding() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                  for i in range(1, 10))
        + ']><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>'
    )
    [problem] = validate({"bomb.bpmn": bomb})
    assert problem.message == "DOCTYPE declarations are not allowed"
