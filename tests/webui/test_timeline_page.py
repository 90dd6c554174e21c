"""The case page's timeline: old entries keep the task's name from then, in the reader's language."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.models import User
from processes.users import set_locale
from tests.cases_factory import handed_over, open_task

from .conftest import login


def test_a_renamed_task_leaves_the_old_entries_as_they_were(client: FlaskClient, session: Session,
                                                            people: dict[str, User]) -> None:
    case = handed_over(session, people)
    open_task(session, case, "handle_request").name = "Deal with it"  # what a migration to a renamed element does
    session.commit()
    login(client, "csu")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Task “Handle request” offered to" in page and "Task “Deal with it”" not in page
    assert page.index("Case started on process version") < page.index("Task “Intake” completed.")


def test_in_swedish_the_timeline_and_the_task_names_are_swedish(client: FlaskClient, session: Session,
                                                               people: dict[str, User]) -> None:
    case = handed_over(session, people)
    set_locale(session, people["csu"], "sv")
    session.commit()
    login(client, "csu")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Uppgiften ”Handlägg ärendet” erbjöds" in page and "Uppgiften ”Registrera ärendet” slutfördes." in page
    assert "Potthål" in page
