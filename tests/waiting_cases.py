"""Small processes that wait for messages and signals (tests/conformance/app_bpmn), and cases of them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.deployments import deploy_version
from processes.models import Case, Task, User
from processes.tasks import complete_task

APP_BPMN = Path(__file__).resolve().parent / "conformance" / "app_bpmn"


def app_files() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(APP_BPMN.glob("*.bpmn"))}


def deploy_waiting_processes(session: Session, admin: User) -> None:
    deploy_version(session, admin, app_files())
    session.commit()


def open_tasks(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")
                                .order_by(Task.element_id)))


def waiting_for_reply(session: Session, people: dict[str, User]) -> Case:
    """A message_wait case whose person prepared it: it waits for message `citizen_reply`, no task is ready."""
    case = start_case(session, people["csu"], "message_wait", {"citizen_name": "Alva Berg", "topic": "bins"})
    [prepare] = open_tasks(session, case)
    complete_task(session, people["csu"], prepare.id, {})
    session.commit()
    return case
