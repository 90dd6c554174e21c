"""The `onestop` command line, as scripts use it (DESIGN.md contract), on both backends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from processes.unit import Database
from webui.cli import main

ROOT = Path(__file__).resolve().parents[2]
INTAKE = {"channel": "phone", "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
          "category": "missed_collection", "description": "Bin not emptied", "resolved_on_first_contact": False}


@pytest.fixture
def cli(db: Database, people: dict[str, object]):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["--db", db.url, *args], catch_exceptions=False)

    return run


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout


def test_the_reference_routine_from_the_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    assert "up to date" in ok(cli("db", "upgrade"))
    deployed = ok(cli("deploy", str(ROOT / "bpmn"), "--user", "admin")).splitlines()
    assert deployed == ["citizen_request 1", "permit_application 1"]
    case_id = int(ok(cli("start", "citizen_request", "--data", '{"channel": "phone"}', "--user", "csu")))
    [intake] = json.loads(ok(cli("tasks", "--group", "csu", "--json")))
    assert set(intake) >= {"id", "case_id", "element_id", "name", "lane", "group", "assignee", "due_at",
                           "created_at"}
    assert (intake["case_id"], intake["element_id"], intake["group"]) == (case_id, "intake", "csu")
    ok(cli("claim", str(intake["id"]), "--user", "csu"))
    ok(cli("complete", str(intake["id"]), "--user", "csu", "--data", json.dumps(INTAKE)))
    case = json.loads(ok(cli("case", "show", str(case_id), "--json")))
    assert set(case) >= {"id", "process_key", "version", "status", "office", "data", "open_tasks", "events"}
    assert case["office"] == "waste"
    [handle] = case["open_tasks"]
    assert (handle["element_id"], handle["group"]) == ("handle_request", "waste")
    after_deadline = datetime.fromisoformat(case["due_at"]) + timedelta(hours=1)
    assert ok(cli("timers", "run", "--now", after_deadline.isoformat())).strip() == "1 timers fired"
    follow_ups = [t for t in json.loads(ok(cli("tasks", "--group", "waste", "--json")))
                  if t["element_id"] == "follow_up_overdue"]
    assert [t["lane"] for t in follow_ups] == ["Office manager"]


def test_validate_lists_each_problem_as_file_element_message(cli) -> None:  # type: ignore[no-untyped-def]
    broken = ROOT / "tests" / "engine" / "broken" / "task_outside_lane.bpmn"
    result = cli("validate", str(broken))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{broken}:ask: user task is not in any lane (the lane says who works on it)"]
    assert cli("validate", str(ROOT / "bpmn")).exit_code == 0


def test_deploying_an_invalid_process_writes_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("deploy", str(ROOT / "tests" / "engine" / "broken" / "missing_form.bpmn"))
    assert result.exit_code == 1
    assert "form file 'no_such.form' is missing" in result.stderr
    assert "no process 'broken'" in cli("versions", "broken").stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("start", "nope"), "error: no deployed process 'nope'"),
        (("start", "citizen_request", "--data", "{bad"), "error: --data is not valid JSON"),
        (("start", "citizen_request", "--data", "[1]"), "error: --data must be a JSON object"),
        (("claim", "999", "--user", "officer"), "error: task 999 not found"),
        (("claim", "1", "--user", "nobody"), "error: no user 'nobody'"),
        (("timers", "run", "--now", "tomorrow"), "error: --now is not an ISO 8601 date-time"),
        (("timers", "retry", "1"), "error: case 1 has no failed timer"),
        (("deploy", "/no/such/dir"), "error: /no/such/dir: no such file or directory"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_1(cli, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
    ok(cli("deploy", str(ROOT / "bpmn")))
    result = cli(*args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_complete_with_bad_data_names_the_fields(cli) -> None:  # type: ignore[no-untyped-def]
    ok(cli("deploy", str(ROOT / "bpmn")))
    ok(cli("start", "citizen_request"))
    [intake] = json.loads(ok(cli("tasks", "--group", "csu", "--json")))
    result = cli("complete", str(intake["id"]), "--user", "csu", "--data", '{"channel": "fax", "colour": "red"}')
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "error: colour: Unknown field." in lines
    assert any(line.startswith("error: channel: ") for line in lines)
    assert any(line.startswith("error: citizen_name: ") for line in lines)
    again = cli("complete", str(intake["id"]), "--user", "officer", "--data", json.dumps(INTAKE))
    assert again.exit_code == 1 and "may not work on this task" in again.stderr
    ok(cli("complete", str(intake["id"]), "--user", "csu", "--data", json.dumps(INTAKE)))
    done = cli("complete", str(intake["id"]), "--user", "csu", "--data", json.dumps(INTAKE))
    assert done.exit_code == 1 and "already completed by Csu at " in done.stderr


def test_an_unreachable_database_is_one_line() -> None:
    result = CliRunner().invoke(main, ["--db", "postgresql+psycopg://postgres@127.0.0.1:1/none", "db", "upgrade"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database unavailable at postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert len(result.stderr.strip().splitlines()) == 1


def test_groups_are_added_and_listed(cli) -> None:  # type: ignore[no-untyped-def]
    assert ok(cli("group", "add", "environment", "--title", "Environment and health")) == "group environment added\n"
    assert ok(cli("group", "add", "front_desk", "--title", "Front desk", "--kind", "csu")) == "group front_desk added\n"
    listed = ok(cli("group", "list")).splitlines()
    assert "environment          office    0 members  Environment and health" in listed
    assert any(line.startswith("front_desk           csu ") for line in listed)

    taken = cli("group", "add", "environment", "--title", "Again")
    assert (taken.exit_code, taken.stderr) == (1, "error: name: 'environment' is taken\n")
    bad = cli("group", "add", "Environment", "--title", " ")
    assert bad.exit_code == 1
    assert bad.stderr.splitlines() == [
        "error: name: 2-64 characters: lower-case letters, digits and '_', starting with a letter",
        "error: title: a title is required"]
    assert cli("group", "add", "x_y", "--title", "X", "--kind", "team").exit_code == 2
