"""An analyst asks for a draft to be deployed; administrators see who asked, when and why.

Only administrators deploy (processes.releases.deploy_draft). A request is an event in the log
(`deploy_requested`); it is open until the process is deployed again, so nothing else needs to
be kept in step with the draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .db import utcnow
from .drafts import require_modeler
from .errors import Conflict, InvalidFormData, ProcessNotDeployable
from .models import Event, User
from .releases import review_draft
from .texts import Text

REQUESTED = "deploy_requested"
DEPLOYED = "draft_deployed"
MAX_NOTE = 1000


@dataclass(frozen=True)
class DeployRequest:
    """One open request: the process, who asked, when and the analyst's note."""

    key: str
    requested_by: str
    requested_at: datetime
    note: str


def request_deploy(session: Session, actor: User | None, key: str, note: str = "", *,
                   now: datetime | None = None) -> DeployRequest:
    """Ask the administrators to deploy the draft of `key`; refused while the draft cannot be deployed."""
    require_modeler(actor)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidFormData({"note": Text("at most %(n)s characters", n=MAX_NOTE)})
    review = review_draft(session, actor, key)
    if review.problems:
        raise ProcessNotDeployable(review.problems)
    if not review.changes:
        raise Conflict(Text("the draft is identical to the deployed version: there is nothing to deploy"))
    now = now or utcnow()
    events.record(session, REQUESTED, at=now, actor=actor, key=key, note=note)
    session.flush()
    name = actor.display_name if actor is not None else "system"
    return DeployRequest(key, name, now, note)


def open_requests(session: Session, key: str | None = None) -> list[DeployRequest]:
    """Requests made since the process was last deployed, newest first; all processes unless `key`."""
    rows = session.execute(
        select(Event.kind, Event.at, Event.details, User.display_name)
        .outerjoin(User, User.id == Event.actor_id)
        .where(Event.case_id.is_(None), Event.kind.in_((REQUESTED, DEPLOYED)))
        .order_by(Event.at, Event.id)
    ).all()
    pending: dict[str, list[DeployRequest]] = {}
    for kind, at, details, display_name in rows:
        process = str((details or {}).get("key", ""))
        if key is not None and process != key:
            continue
        if kind == DEPLOYED:
            pending.pop(process, None)
        else:
            pending.setdefault(process, []).append(
                DeployRequest(process, display_name or "system", at, str((details or {}).get("note", ""))))
    return sorted((r for requests in pending.values() for r in requests), key=lambda r: r.requested_at, reverse=True)


def deployers(session: Session) -> list[str]:
    """The display names of the people who may deploy, so an analyst knows whom to ask."""
    admins = session.scalars(select(User).where(User.role_names.contains("admin")).order_by(User.display_name))
    return [user.display_name for user in admins if user.has_role("admin") and user.active]
