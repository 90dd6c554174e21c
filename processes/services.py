"""Service tasks the BPMN may call by name. An analyst adds a notification in the diagram, not here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from engine import Service, ServiceCall

from . import events
from .db import DatabaseUnavailable
from .models import Case
from .notifications import office_title, queue_notification
from .runtime import calendar

SERVICE_NAMES = ("compute_due_date", "notify_citizen")


def services_for(session: Session, case: Case, now: datetime) -> dict[str, Service]:
    """The services bound to one case and one moment."""

    def compute_due_date(call: ServiceCall) -> str:
        days = int(call.params.get("days", 0))
        return calendar().working_days_after(now, days).isoformat()

    titles: dict[tuple[str, str], str] = {}

    def title(name: object, language: str) -> str:
        """An office's title in the mail's language, looked up once per step: nothing in a step renames an office."""
        key = (str(name or ""), language)
        if key not in titles:
            titles[key] = office_title(session, name, language)
        return titles[key]

    def notify_citizen(call: ServiceCall) -> dict[str, object]:
        template = str(call.params.get("template", ""))
        message = queue_notification(session, case, template, call.data, now, titles=title)
        if message is None:
            return {"queued": False, "template": template, "reason": "no e-mail address"}
        events.record(session, "notification_queued", at=now, case=case, element_id=call.element_id,
                      template=template)
        return {"queued": True, "template": template}

    def interruptible(service: Service) -> Service:
        """A lost database connection is not the case's failure: DatabaseUnavailable passes the engine."""
        def call(call: ServiceCall) -> Any:
            try:
                return service(call)
            except (OperationalError, InterfaceError) as err:
                raise DatabaseUnavailable.from_error(str(session.get_bind().engine.url), err) from err
        return call

    return {name: interruptible(service)
            for name, service in (("compute_due_date", compute_due_date), ("notify_citizen", notify_citizen))}
