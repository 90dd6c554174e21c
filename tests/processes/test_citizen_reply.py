"""The citizen answers the office's question on the tracking page; the CSU can still record a phone answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.attachments import Upload, case_attachments
from processes.citizen_reply import awaited_reply, submit_citizen_reply
from processes.errors import Conflict, InvalidFormData, NotFound
from processes.models import Case, Event, Task, User
from processes.tasks import complete_task
from tests.cases_factory import handed_over, open_task

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def asked(session: Session, people: dict[str, User]) -> Case:
    """A case whose office asked the citizen a question: it waits at the CSU's contact task."""
    case = handed_over(session, people)
    complete_task(session, people["officer"], open_task(session, case, "handle_request").id,
                  {"outcome": "need_info", "info_question": "Which side of the street?"})
    session.commit()
    return case


def test_the_reply_completes_the_waiting_task_and_the_case_goes_back_to_the_office(
        session: Session, people: dict[str, User], deployed: None) -> None:
    case = asked(session, people)
    waiting = awaited_reply(session, case)
    assert waiting is not None and (waiting.task.element_id, waiting.field) == ("contact_citizen", "citizen_reply")

    submit_citizen_reply(session, case.tracking_token or "", "  The north side, by the bakery.  ",
                         Upload("hole.png", PNG))
    session.commit()

    contact = session.get(Task, waiting.task.id)
    assert contact is not None and contact.status == "completed" and contact.completed_by_id is None
    assert contact.form_data == {"citizen_reply": "The north side, by the bakery."}
    assert case.data["citizen_reply"] == "The north side, by the bakery."
    assert open_task(session, case, "handle_request").group_name == "streets_parks"
    assert [a.filename for a in case_attachments(session, case.id)] == ["hole.png"]
    kinds = list(session.scalars(select(Event.kind).where(Event.case_id == case.id).order_by(Event.id)))
    assert {"attachment_added", "citizen_replied"} <= set(kinds)
    assert awaited_reply(session, case) is None


def test_a_second_reply_or_one_after_the_csus_phone_answer_is_refused(
        session: Session, people: dict[str, User], deployed: None) -> None:
    case = asked(session, people)
    complete_task(session, people["csu"], open_task(session, case, "contact_citizen").id,
                  {"citizen_reply": "Told us on the phone: north side."})
    session.commit()
    with pytest.raises(Conflict, match="not waiting for a reply"):
        submit_citizen_reply(session, case.tracking_token or "", "North side")


def test_an_empty_reply_or_a_bad_photo_is_refused_and_nothing_is_kept(
        session: Session, people: dict[str, User], deployed: None) -> None:
    case = asked(session, people)
    with pytest.raises(InvalidFormData) as empty:
        submit_citizen_reply(session, case.tracking_token or "", "   ", Upload("x.gif", b"GIF89a"))
    assert set(empty.value.errors) == {"reply", "photo"}
    with pytest.raises(InvalidFormData) as long:
        submit_citizen_reply(session, case.tracking_token or "", "x" * 4001)
    assert set(long.value.errors) == {"reply"}
    session.rollback()
    assert open_task(session, case, "contact_citizen").status == "open"


def test_nobody_is_asked_when_the_case_waits_for_the_office_and_a_wrong_token_finds_nothing(
        session: Session, people: dict[str, User], deployed: None) -> None:
    case = handed_over(session, people)
    assert awaited_reply(session, case) is None
    with pytest.raises(Conflict):
        submit_citizen_reply(session, case.tracking_token or "", "Hello")
    with pytest.raises(NotFound):
        submit_citizen_reply(session, "x" * 30, "Hello")
