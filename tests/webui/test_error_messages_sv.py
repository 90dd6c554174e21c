"""The operations' error messages on Swedish pages: a reader who chose Swedish reads why a case is not
found, a task is not theirs or was completed already in Swedish (processes.texts.Text through
webui/errors.py); the same errors from the CLI stay English."""

from __future__ import annotations

import html
import json
import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.models import User
from processes.tasks import complete_task
from processes.users import set_locale

from .conftest import csrf_token, login
from .test_i18n import app  # noqa: F401  (fixture: the app with the Swedish catalogue compiled from the .po)
from .test_task_page import handed_over


def in_swedish(client: FlaskClient, session: Session, people: dict[str, User], username: str) -> None:
    for user in people.values():  # everyone chose Swedish: the CLI still answers in English
        set_locale(session, user, "sv")
    session.commit()
    login(client, username)


def alert(page: str) -> str:
    match = re.search(r'<p role="alert">(.*?)</p>', page, re.S)
    assert match, page
    return html.unescape(match.group(1)).strip()


def test_a_case_that_does_not_exist(client: FlaskClient, session: Session, people: dict[str, User],
                                    cli) -> None:  # type: ignore[no-untyped-def]
    in_swedish(client, session, people, "officer")

    response = client.get("/cases/999999")
    as_json = client.get("/cases/999999", headers={"Accept": "application/json"})

    page = response.get_data(as_text=True)
    assert response.status_code == 404 and '<html lang="sv">' in page
    assert alert(page) == "Ärende 999999 finns inte."
    assert (as_json.status_code, as_json.get_json()["error"]) == (404, "Ärende 999999 finns inte.")
    result = cli("case", "show", "999999")
    assert (result.exit_code, result.stderr) == (1, "error: case 999999 not found\n")


def test_the_english_reader_keeps_the_english_message(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "officer")
    response = client.get("/cases/999999", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert (response.status_code, response.get_json()["error"]) == (404, "case 999999 not found")


def test_another_offices_task(client: FlaskClient, session: Session, people: dict[str, User],
                              cli) -> None:  # type: ignore[no-untyped-def]
    task = handed_over(session, people)  # a streets_parks task
    in_swedish(client, session, people, "waste_officer")

    opened = client.get(f"/tasks/{task.id}")
    claimed = client.post(f"/tasks/{task.id}", data={"csrf_token": csrf_token(client, "/inbox"), "action": "claim"})

    assert opened.status_code == 403
    assert alert(opened.get_data(as_text=True)) == f"Du får inte se uppgift {task.id}."
    assert claimed.status_code == 403
    assert alert(claimed.get_data(as_text=True)) == "waste_officer får inte arbeta med uppgifter för streets_parks."
    result = cli("claim", str(task.id), "--user", "waste_officer")
    assert (result.exit_code, result.stderr) == (1, "error: waste_officer may not work on streets_parks tasks\n")


def test_a_task_completed_by_someone_else(client: FlaskClient, session: Session, people: dict[str, User],
                                          cli) -> None:  # type: ignore[no-untyped-def]
    task = handed_over(session, people)
    in_swedish(client, session, people, "officer")
    token = csrf_token(client, f"/tasks/{task.id}")  # the page was open before the colleague finished
    complete_task(session, people["officer2"], task.id, {"outcome": "resolved", "answer": "Done by me."})
    session.commit()

    claimed = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "action": "claim"})
    completed = client.post(f"/tasks/{task.id}", data={"csrf_token": token, "payload": json.dumps(
        {"outcome": "resolved", "answer": "Mine, too late."})})

    assert claimed.status_code == 409
    assert re.fullmatch(rf"Uppgift {task.id} slutfördes redan av Officer2 \(\d{{4}}-\d\d-\d\dT[\d:]{{8}}\S*\)\.",
                        alert(claimed.get_data(as_text=True)))
    assert completed.status_code == 409
    assert "Uppgiften slutfördes redan av Officer2" in completed.get_data(as_text=True)
    result = cli("claim", str(task.id), "--user", "officer")
    assert result.exit_code == 1
    assert re.fullmatch(rf"error: task {task.id} was already completed by Officer2 at \S+\n", result.stderr)


def test_a_task_claimed_by_a_colleague(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    task = handed_over(session, people)
    in_swedish(client, session, people, "officer2")
    client.post(f"/tasks/{task.id}", data={"csrf_token": csrf_token(client, "/inbox"), "action": "claim"})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login(client, "officer")

    response = client.post(f"/tasks/{task.id}", data={"csrf_token": csrf_token(client, "/inbox"), "payload": json.dumps(
        {"outcome": "resolved", "answer": "Mine?"})})

    assert response.status_code == 409
    assert alert(response.get_data(as_text=True)) == f"Uppgift {task.id} är tagen av Officer2."
