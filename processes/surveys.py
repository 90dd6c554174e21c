"""The satisfaction survey after an answer: a score from 1 to 5 and a comment, one per case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import events
from .db import savepoint, utcnow
from .errors import Conflict, InvalidFormData
from .models import SurveyResponse
from .texts import Text
from .tracking import tracking_view

MAX_COMMENT = 2000


class SurveyAlreadyAnswered(Conflict):
    """The citizen (or someone with the link) already answered the survey of this case."""


def submit_survey(session: Session, token: str, score: object, comment: str = "", *,
                  now: datetime | None = None) -> SurveyResponse:
    """Store the citizen's score for the case of `token`, kept with the office that answered."""
    now = now or utcnow()
    view = tracking_view(session, token)
    errors = {}
    value = _score(score)
    if value is None:
        errors["score"] = Text("Choose a score from 1 (very dissatisfied) to 5 (very satisfied).")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = Text("At most %(n)s characters, please.", n=MAX_COMMENT)
    if errors:
        raise InvalidFormData(errors)
    if not view.answered:
        raise Conflict(Text("The survey opens once your request has been answered."))
    if view.survey is not None:
        raise SurveyAlreadyAnswered(Text("You have already answered the survey for this request. Thank you!"))
    case = view.case
    response = SurveyResponse(case_id=case.id, office=case.office, score=value, comment=comment or None,
                              created_at=now)
    try:
        with savepoint(session):  # two submits at once: the unique case_id lets one win
            session.add(response)
    except IntegrityError as err:
        raise SurveyAlreadyAnswered(Text("You have already answered the survey for this request. Thank you!")) from err
    events.record(session, "survey_answered", at=now, case=case, score=value)
    session.flush()
    return response


def survey_of(session: Session, case_id: int) -> SurveyResponse | None:
    return session.scalars(select(SurveyResponse).where(SurveyResponse.case_id == case_id)).first()


def _score(raw: object) -> int | None:
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return value if 1 <= value <= 5 else None
