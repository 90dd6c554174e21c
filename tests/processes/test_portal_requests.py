"""Portal requests, the tracking view, the survey and the mail the reference process sends on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.attachments import MAX_PHOTO_BYTES, Upload
from processes.db import utcnow
from processes.errors import Conflict, InvalidFormData, NotFound
from processes.models import Attachment, Case, OutboxMessage, SurveyResponse, Task, User
from processes.portal import PortalRequest, submit_request
from processes.surveys import SurveyAlreadyAnswered, submit_survey
from processes.tasks import claim_task, complete_task
from processes.tracking import tracking_view

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VALID = {"category": "pothole", "description": "A deep hole on Storgatan 3.", "citizen_name": "Alva Berg",
         "citizen_email": "Alva.Berg@example.org"}


def submit(session: Session, **changes: object) -> Case:
    case = submit_request(session, PortalRequest(**{**VALID, **changes}))  # type: ignore[arg-type]
    assert case is not None
    session.flush()
    return case


def open_task(session: Session, case: Case, element_id: str) -> Task:
    return session.scalars(select(Task).where(Task.case_id == case.id, Task.element_id == element_id,
                                              Task.status == "open")).one()


def handle(session: Session, officer: User, case: Case, **data: object) -> None:
    task = open_task(session, case, "handle_request")
    claim_task(session, officer, task.id)
    complete_task(session, officer, task.id, data)


def mail(session: Session, case: Case) -> dict[str, OutboxMessage]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id))
    return {m.template: m for m in rows}


def test_a_portal_request_goes_straight_to_its_office_with_an_acknowledgement(
        session: Session, deployed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONESTOP_BASE_URL", "https://town.example/")
    case = submit(session, location="Storgatan 3", latitude="59.33", longitude="18.06", language="sv")

    assert (case.channel, case.office, case.status) == ("web", "streets_parks", "open")
    assert case.data["language"] == "sv" and case.data["resolved_on_first_contact"] is False
    assert case.data["portal"] == {"location": "Storgatan 3", "lat": 59.33, "long": 18.06}
    assert "Location: Storgatan 3 (59.33, 18.06)" in case.data["description"]
    assert open_task(session, case, "handle_request").group_name == "streets_parks"
    ack = mail(session, case)["acknowledgement"]
    assert ack.language == "sv" and ack.to_address == "Alva.Berg@example.org"
    assert f"https://town.example/track/{case.tracking_token}" in ack.body
    assert case.due_at is not None and case.due_at.date().isoformat()[:7] in ack.body
    assert "Streets" in ack.body  # the office's title, not its group name


def test_the_honeypot_pretends_success_and_stores_nothing(session: Session, deployed: None) -> None:
    assert submit_request(session, PortalRequest(**VALID, website="http://spam.example")) is None
    assert session.scalar(select(func.count()).select_from(Case)) == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"citizen_email": "not-an-address"}, "citizen_email"),
    ({"citizen_email": ""}, "citizen_email"),
    ({"description": "   "}, "description"),
    ({"citizen_name": ""}, "citizen_name"),
    ({"category": "dragons"}, "category"),
    ({"category": ""}, "category"),
    ({"latitude": "91", "longitude": "18"}, "latitude"),
    ({"latitude": "59.3"}, "longitude"),
    ({"description": "x" * 4001}, "description"),
])
def test_bad_portal_input_names_the_field_and_stores_nothing(
        session: Session, deployed: None, changes: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidFormData) as raised:
        submit(session, **changes)
    assert field in raised.value.errors
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_photo_is_checked_by_its_bytes_and_kept_with_the_case(session: Session, deployed: None) -> None:
    with pytest.raises(InvalidFormData) as raised:
        submit(session, photo=Upload("holiday.png", b"<svg onload=alert(1)>"))
    assert raised.value.errors["photo"] == "The photo must be a JPEG or PNG image."
    with pytest.raises(InvalidFormData) as raised:
        submit(session, photo=Upload("huge.png", PNG + b"\x00" * MAX_PHOTO_BYTES))
    assert "larger than 5 MB" in raised.value.errors["photo"]

    case = submit(session, photo=Upload("../../etc/<hole>.jpeg", PNG))

    [photo] = session.scalars(select(Attachment).where(Attachment.case_id == case.id))
    assert (photo.content_type, photo.filename, photo.content) == ("image/png", "hole_.png", PNG)
    assert tracking_view(session, case.tracking_token or "").attachments == [photo]


def test_the_tracking_view_follows_the_case_from_question_to_answer(
        session: Session, deployed: None, people: dict[str, User]) -> None:
    case = submit(session)
    token = case.tracking_token or ""
    view = tracking_view(session, token)
    assert [m.kind for m in view.milestones] == ["received", "with_office"]
    assert view.milestones[1].office == "Streets Parks" and view.expected == case.due_at

    handle(session, people["officer"], case, outcome="need_info", info_question="Which side of the street?")
    assert tracking_view(session, token).stage == "waiting_for_you"
    assert mail(session, case)["need_info"].body.count("Which side of the street?") == 1
    complete_task(session, people["csu"], open_task(session, case, "contact_citizen").id,
                  {"citizen_reply": "The north side."})
    handle(session, people["officer"], case, outcome="resolved", answer="Filled on Monday.")

    view = tracking_view(session, token)
    assert [m.kind for m in view.milestones] == [
        "received", "with_office", "waiting_for_you", "reply_received", "answered"]
    assert view.milestones[2].text == "Which side of the street?"
    assert view.milestones[-1].text == "Filled on Monday."
    assert view.answered and view.expected is None
    sent = mail(session, case)
    assert "Filled on Monday." in sent["answer"].body
    assert sent["survey"].body.rstrip().endswith(f"/track/{token}#survey")


@pytest.mark.parametrize("token", ["", "x", "a" * 32, "../../etc/passwd", "' OR 1=1 --"])
def test_a_wrong_or_guessed_token_finds_nothing(session: Session, deployed: None, token: str) -> None:
    submit(session)
    with pytest.raises(NotFound) as raised:
        tracking_view(session, token)
    assert str(raised.value) == "Page not found."


def test_the_survey_opens_after_the_answer_and_takes_one_response(
        session: Session, deployed: None, people: dict[str, User]) -> None:
    case = submit(session)
    token = case.tracking_token or ""
    with pytest.raises(Conflict):
        submit_survey(session, token, "5")
    handle(session, people["officer"], case, outcome="resolved", answer="Done.")

    with pytest.raises(InvalidFormData):
        submit_survey(session, token, "6")
    response = submit_survey(session, token, "4", "  Quick, thanks!  ", now=utcnow() + timedelta(days=1))

    assert (response.score, response.office, response.comment) == (4, "streets_parks", "Quick, thanks!")
    with pytest.raises(SurveyAlreadyAnswered):
        submit_survey(session, token, "1")
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
