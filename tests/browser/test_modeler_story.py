"""Issue 5 in the browser: an analyst adds a new office to the routing table and a new required field
to the handle-request form, validates and test-runs the draft; an administrator reviews the diff and
deploys. New cases route to the new office and show the new field; a case started before keeps the
old form until the administrator moves it (dry run first)."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import current_version, start_case
from processes.models import ProcessVersion, Task
from processes.releases import retire_version
from processes.tasks import complete_task
from processes.unit import Database
from processes.users import find_user
from tests.story_edits import INTAKE, NEW_FIELD, NEW_RULE

from .conftest import axe_violations, log_in

NOISE_STEPS = [
    {"task": "intake", "data": {**INTAKE, "category": "noise"}},
    {"task": "handle_request", "data": {"outcome": "resolved", "answer": "Spoke to them", "reference": "ENV-7"}},
]


def case_at_office(live_db: Database, category: str) -> tuple[int, int]:
    """(case id, handle-request task id) of a new case past intake."""

    def work(session: Session) -> tuple[int, int]:
        csu = find_user(session, "csu")
        case = start_case(session, csu, "citizen_request", {"channel": "phone"})
        intake = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).one()
        complete_task(session, csu, intake.id, {**INTAKE, "category": category})
        task = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).one()
        return case.id, task.id

    return live_db.run(work)


def task_group(live_db: Database, task_id: int) -> str | None:
    return live_db.run(lambda s: s.get(Task, task_id).group_name)  # type: ignore[union-attr]


def open_file(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/modeler/citizen_request?file={name}")
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#os-status")).to_have_text(re.compile(r"^Saved\."))


def edit_dmn(page: Page) -> None:
    page.evaluate("""async (rule) => {
        const editor = window.onestopEditor;
        const {xml} = await editor.modeler.saveXML({format: true});
        if (!xml.includes('<rule id="rule_other">')) throw new Error('unexpected DMN: ' + xml.slice(0, 300));
        await editor.modeler.importXML(xml.replace('<rule id="rule_other">', rule + '<rule id="rule_other">'));
    }""", NEW_RULE)


def edit_form(page: Page, script: str, arg: Any) -> None:
    # The script is part of the function Playwright compiles: the page's CSP refuses `new Function`.
    page.evaluate(f"""async (arg) => {{
        const editor = window.onestopEditor.modeler;
        const schema = editor.saveSchema();
        {script};
        await editor.importSchema(schema);
    }}""", arg)


def analyst_edits_validates_and_test_runs(page: Page, base: str) -> None:
    log_in(page, base, "analyst")
    expect(page.get_by_role("heading", name="Processes")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Citizen request").click()
    start = page.get_by_role("button", name="Edit a copy of the newest version")
    if start.is_visible():
        start.click()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    assert axe_violations(page) == []

    page.get_by_role("link", name=re.compile(r"^DMN")).click()
    page.wait_for_function("() => window.onestopEditor && window.onestopEditor.ready")
    edit_dmn(page)
    save(page)
    open_file(page, base, "forms/handle_request.form")
    edit_form(page, "schema.components.splice(2, 0, arg)", NEW_FIELD)
    save(page)
    open_file(page, base, "forms/intake.form")
    edit_form(page, "schema.components.find(c => c.key === 'category').values.push(arg)",
              {"label": "Noise", "value": "noise"})
    save(page)
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#os-problems")).to_have_text("No problems: this draft can be deployed.")

    page.get_by_role("link", name="Test run").click()
    page.get_by_label("Name").fill("Noise goes to environment")
    page.get_by_label("Outcome of each task, in order (JSON list)").fill(json.dumps(NOISE_STEPS))
    page.get_by_role("button", name="Save with the draft and run").click()
    expect(page.get_by_role("status").filter(has_text="The case ran to the end.")).to_be_visible()
    expect(page.get_by_role("cell", name="environment", exact=True)).to_be_visible()
    page.wait_for_function("() => document.querySelectorAll('#os-path .os-done').length > 5")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Log out").click()


def admin_reviews_and_deploys(page: Page, base: str) -> int:
    log_in(page, base, "admin")
    page.goto(f"{base}/admin/groups")
    if not page.get_by_role("link", name="Environment").is_visible():
        page.get_by_label("Name in processes").fill("environment")
        page.get_by_label("Title", exact=True).fill("Environment")
        page.get_by_role("button", name="Create group").click()
    page.goto(f"{base}/modeler/citizen_request/deploy")
    expect(page.get_by_role("cell", name="rule_noise")).to_be_visible()
    expect(page.get_by_role("cell", name="reference", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    button = page.get_by_role("button", name=re.compile(r"^Deploy as version \d+$"))
    number = int((button.text_content() or "").rsplit(" ", 1)[1])
    button.click()
    expect(page.get_by_text(f"Version {number} of citizen_request is deployed")).to_be_visible()
    return number


def form_labels(page: Page, base: str, task_id: int) -> str:
    page.goto(f"{base}/tasks/{task_id}")
    page.wait_for_selector(".fjs-form-field")
    return page.locator(".fjs-form").inner_text()


def retire_newer_versions(live_db: Database, keep: int) -> None:
    """The live server is shared: later tests must find the shipped routine again."""

    def work(session: Session) -> None:
        for version in session.scalars(select(ProcessVersion).where(ProcessVersion.key == "citizen_request",
                                                                    ProcessVersion.version > keep,
                                                                    ProcessVersion.status == "deployed")):
            retire_version(session, None, "citizen_request", version.version)

    live_db.run(work)


def test_analyst_changes_routing_and_form_admin_deploys_and_cases_follow(
    page: Page, live_server: str, live_db: Database
) -> None:
    old_case, old_task = case_at_office(live_db, "pothole")
    before = live_db.run(lambda s: current_version(s, "citizen_request").version)
    try:
        story(page, live_server, live_db, old_case, old_task)
    finally:
        retire_newer_versions(live_db, before)


def story(page: Page, live_server: str, live_db: Database, old_case: int, old_task: int) -> None:
    analyst_edits_validates_and_test_runs(page, live_server)
    number = admin_reviews_and_deploys(page, live_server)

    _new_case, new_task = case_at_office(live_db, "noise")
    assert task_group(live_db, new_task) == "environment"
    assert "Office reference number" in form_labels(page, live_server, new_task)
    assert "Office reference number" not in form_labels(page, live_server, old_task)

    page.goto(f"{live_server}/admin/processes/citizen_request/migrate?source={number - 1}&target={number}&dry_run=1")
    row = page.get_by_role("row").filter(has=page.locator(f'input[value="{old_case}"]'))
    expect(row).to_contain_text("can move")
    assert axe_violations(page) == []
    for box in page.locator('input[name="cases"]').all():
        box.set_checked(box.get_attribute("value") == str(old_case))
    page.get_by_role("button", name=f"Move the selected cases to version {number}").click()
    expect(page.get_by_text(f"1 of 1 cases moved to version {number}.")).to_be_visible()
    assert "Office reference number" in form_labels(page, live_server, old_task)

    page.goto(f"{live_server}/admin/processes")
    page.get_by_role("button", name=f"Retire version {number}").click()
    expect(page.get_by_text(f"Version {number} of citizen_request is retired")).to_be_visible()
