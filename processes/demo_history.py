"""Write finished demo requests straight into cases, tasks, events and survey responses, in bulk.

Running the engine costs 50-100 ms a step; a year of history would take minutes. A finished request
needs no engine state, only the rows the engine would have left, so this writes those rows, in the
order and shape apply_snapshot, the operations and the services write them (tests/processes/
test_demo.py runs the same plan both ways and compares the logs). It knows the shipped
citizen_request process (element ids are reference data); a changed process gets its history
from the engine path only.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from .case_facts import intake_facts
from .demo_plans import Plan, Visit
from .models import Base, ProcessVersion, User
from .routines import version_routine

START = ("start", "init_case")
FIRST_CONTACT = ("intake", "first_contact", "notify_resolved_first_contact", "end_first_contact")
ROUTED = ("intake", "first_contact", "route", "compute_deadline", "notify_acknowledgement")
OUTCOME = {
    "resolved": ("handle_request", "outcome", "notify_answer", "notify_survey", "end_resolved"),
    "need_info": ("handle_request", "outcome", "count_info_request", "notify_need_info"),
    "wrong_office": ("handle_request", "outcome", "reroute"),
}
MOVES = ("handed_over", "returned_to_csu", "rerouted", "escalated")  # events that name the task they created
PICKUPS = ("task_claimed", "task_assigned", "task_completed")
LANES = {"intake": "CSU", "contact_citizen": "CSU", "handle_request": "Office", "follow_up_overdue": "Office manager"}
CASES, TASKS, EVENTS, SURVEYS = (Base.metadata.tables[name]
                                 for name in ("cases", "tasks", "events", "survey_responses"))
ANSWER = "Thank you for your request. It has been taken care of."
QUESTION = "Could you tell us the exact address, or send a photo?"


@dataclass
class Cast:
    """Who does what in the demo: the CSU agent, officers and managers by office, a stand-in."""

    csu: User
    officers: dict[str, list[User]]
    managers: dict[str, User]
    stand_in: User  # works where an office has no demo officer or manager (an administrator)

    def officer(self, office: str, pick: int) -> User:
        people = self.officers.get(office) or [self.stand_in]
        return people[pick % len(people)]

    def manager(self, office: str) -> User:
        return self.managers.get(office) or self.stand_in


class SyntheticCase:
    """The rows one finished plan leaves behind."""

    def __init__(self, plan: Plan, version: ProcessVersion, cast: Cast, elements: dict[str, tuple[str, str]],
                 articles: dict[str, int]):
        self.plan, self.version, self.cast, self.elements, self.articles = plan, version, cast, elements, articles
        self.case: dict[str, Any] = {}
        self.tasks: list[dict[str, Any]] = []
        self.events: list[tuple[dict[str, Any], dict[str, Any] | None, bool]] = []  # (row, task, of the case)
        self.survey: dict[str, Any] | None = None
        self.intake: dict[str, Any] = {}
        self.handle: dict[str, Any] | None = None
        self.contact: dict[str, Any] = {}
        self.officer: User = cast.stand_in
        self.follow_ups: list[dict[str, Any]] = []
        for at, action, index in plan.steps():
            getattr(self, f"_{action}")(at, index)

    # -- rows --------------------------------------------------------------------------------------

    def _event(self, kind: str, at: datetime, actor: User | None = None, *, element: str | None = None,
               task: dict[str, Any] | None = None, office: str | None = None, of_case: bool = True,
               **details: Any) -> None:
        if office is None and of_case:
            office = self.case["office"]
        if task is not None and kind.startswith("task_"):  # as processes.tasks and the projection record it
            details["task_name"] = task["name"]
        row = {"kind": kind, "element_id": element, "actor_id": actor.id if actor else None, "office": office,
               "at": at, "details": details or None}
        self.events.append((row, task, of_case))
        if task is not None and kind in MOVES:  # what the projection and the task operations note on the task
            task.update(arrived_as=kind, arrived_from=details.get("from"))
        elif task is not None and kind in PICKUPS:
            task["picked_up_at"] = task["picked_up_at"] or at

    def _completed(self, at: datetime, actor: User | None, ids: tuple[str, ...]) -> None:
        for element_id in ids:
            name, kind = self.elements.get(element_id, (element_id, ""))
            self._event("element_completed", at, actor, element=element_id, name=name, type=kind)

    def _task(self, element_id: str, at: datetime, group: str, *, managers_only: bool = False,
              due: datetime | None = None) -> dict[str, Any]:
        case = self.case
        task = {"spiff_task_id": str(uuid.uuid4()), "element_id": element_id,
                "name": self.elements.get(element_id, (element_id, ""))[0], "lane": LANES.get(element_id),
                "group_name": group, "managers_only": managers_only, "form": f"{element_id}.form", "status": "open",
                "assignee_id": None, "claimed_at": None, "due_at": due, "created_at": at, "completed_at": None,
                "completed_by_id": None, "form_data": None, "arrived_as": None, "arrived_from": None,
                "picked_up_at": None, "received_at": case["created_at"], "process_key": self.version.key,
                "category": case["category"], "citizen_name": case["citizen_name"],
                "summary": case["data"].get("description")}
        self.tasks.append(task)
        self._event("task_created", at, element=element_id, task=task, office=group, group=group)
        return task

    def _finish(self, task: dict[str, Any], at: datetime, actor: User, form_data: dict[str, Any]) -> None:
        task.update(status="completed", completed_at=at, completed_by_id=actor.id, form_data=form_data)
        if self.case["answered_at"] is None and version_routine(self.version).is_answer(task["element_id"], form_data):
            self.case.update(answered_at=at, answered_by=task["group_name"])
        task["assignee_id"] = task["assignee_id"] or actor.id
        self._event("task_completed", at, actor, element=task["element_id"], task=task, office=task["group_name"])

    def _close(self, at: datetime, actor: User | None) -> None:
        self.case.update(status="closed", closed_at=at)
        self._event("case_closed", at, actor)

    # -- steps, as the engine takes them -------------------------------------------------------------

    def _start(self, at: datetime, _: int) -> None:
        plan, csu = self.plan, self.cast.csu
        self.case = {"version_id": self.version.id, "process_key": self.version.key, "business_key": None,
                     "status": "open", "office": None, "channel": plan.channel, "category": None,
                     "resolved_on_first_contact": False, "kb_article": None, "answered_at": None, "answered_by": None,
                     "citizen_name": None, "citizen_email": None, "tracking_token": secrets.token_urlsafe(24),
                     "data": {"channel": plan.channel, "reroute_count": 0, "info_requests": 0}, "state": {},
                     "lock_version": 1, "due_at": None, "created_at": at, "closed_at": None, "created_by_id": csu.id}
        self._event("case_started", at, csu, version=self.version.version, channel=plan.channel)
        self._completed(at, csu, START)
        self.intake = self._task("intake", at, "csu")

    def _intake(self, at: datetime, _: int) -> None:
        plan, csu, case = self.plan, self.cast.csu, self.case
        form = intake_form(plan)
        case["data"].update(form)
        case.update(category=plan.category, citizen_name=plan.citizen, citizen_email=form["citizen_email"])
        facts = intake_facts(version_routine(self.version), case["data"])
        case["resolved_on_first_contact"], case["kb_article"] = facts
        self._vote(at)
        if plan.first_contact:
            self._event("notification_queued", at, element="notify_resolved_first_contact",
                        template="resolved_first_contact")
            self._finish(self.intake, at, csu, form)
            self._completed(at, csu, FIRST_CONTACT)
            self._close(at, csu)
            return
        office = plan.visits[0].office
        self._event("notification_queued", at, element="notify_acknowledgement", template="acknowledgement")
        self._finish(self.intake, at, csu, form)
        case.update(office=office, due_at=plan.due_at)
        case["data"].update(office=office, reply_days=plan.reply_days,
                            due_at=plan.due_at.isoformat() if plan.due_at else None)
        self._completed(at, csu, ROUTED)
        self._hand_over(at, csu, "csu")

    def _vote(self, at: datetime) -> None:
        plan, article_id = self.plan, self.articles.get(self.plan.article or "")
        if article_id is None or plan.article_helped is None:
            return
        if plan.article_helped:
            self._event("kb_helpful", at, self.cast.csu, article_id=article_id)
        else:
            self._event("kb_not_helpful", at, self.cast.csu, of_case=False, article_id=article_id)

    def _hand_over(self, at: datetime, actor: User, source: str, kind: str = "handed_over") -> None:
        office = self.case["office"]
        self.handle = self._task("handle_request", at, office, due=self.case["due_at"])
        self._event(kind, at, actor, element="handle_request", task=self.handle, office=office,
                    **{"from": source})  # type: ignore[arg-type]  # 'from' is a keyword

    def _claim(self, at: datetime, index: int) -> None:
        assert self.handle is not None
        officer = self.officer = self.cast.officer(self.plan.visits[index].office, index + len(self.plan.description))
        self.handle.update(assignee_id=officer.id, claimed_at=at)
        self._event("task_claimed", at, officer, element="handle_request", task=self.handle,
                    office=self.handle["group_name"])

    def _complete(self, at: datetime, index: int) -> None:
        assert self.handle is not None
        visit, task, officer = self.plan.visits[index], self.handle, self.officer
        data = self.case["data"]
        form = outcome_form(visit)
        data.update(form)
        if visit.outcome == "resolved":
            self._event("notification_queued", at, element="notify_answer", template="answer")
            self._event("notification_queued", at, element="notify_survey", template="survey")
        elif visit.outcome == "need_info":
            self._event("notification_queued", at, element="notify_need_info", template="need_info")
        self._finish(task, at, officer, form)
        if visit.outcome == "wrong_office":
            data.update(previous_office=visit.office, office=visit.correct_office,
                        reroute_count=data["reroute_count"] + 1)
            self.case["office"] = visit.correct_office
        self._completed(at, officer, OUTCOME[visit.outcome])
        if visit.outcome == "resolved":
            self.handle = None
            if not self.follow_ups:
                self._close(at, officer)
        elif visit.outcome == "need_info":
            data["info_requests"] += 1
            self.contact = self._task("contact_citizen", at, "csu")
            self._event("returned_to_csu", at, officer, element="contact_citizen", task=self.contact, office="csu",
                        **{"from": visit.office})  # type: ignore[arg-type]
        else:
            self._hand_over(at, officer, visit.office, "rerouted")

    def _reply(self, at: datetime, _: int) -> None:
        csu = self.cast.csu
        self.case["data"]["citizen_reply"] = "Yes, here are the details."
        self._finish(self.contact, at, csu, {"citizen_reply": "Yes, here are the details."})
        self._completed(at, csu, ("contact_citizen",))
        self._hand_over(at, csu, "csu")

    def _escalate(self, at: datetime, _: int) -> None:
        self._completed(at, None, ("deadline_passed", "first_escalation", "record_escalation"))
        task = self._task("follow_up_overdue", at, self.case["office"], managers_only=True)
        self.follow_ups.append(task)
        self._event("escalated", at, element="follow_up_overdue", task=task, office=task["group_name"])

    def _follow_up(self, at: datetime, _: int) -> None:
        task = self.follow_ups.pop(0)
        manager = self.cast.manager(task["group_name"])
        self._finish(task, at, manager, {"action": "reminded_officer", "follow_up_note": "Reminded the officer."})
        self._completed(at, manager, ("follow_up_overdue", "end_follow_up"))
        if self.handle is None and not self.follow_ups and self.case["status"] == "open":
            self._close(at, manager)

    def _survey(self, at: datetime, _: int) -> None:
        assert self.plan.survey is not None
        score = self.plan.survey[1]
        self.survey = {"office": self.case["office"], "score": score, "comment": None, "created_at": at}
        self._event("survey_answered", at, score=score)


def intake_form(plan: Plan) -> dict[str, Any]:
    """What the CSU agent enters in the intake form for this plan."""
    form = {"channel": plan.channel, "citizen_name": plan.citizen, "citizen_email": email(plan.citizen),
            "category": plan.category, "description": plan.description,
            "resolved_on_first_contact": plan.first_contact}
    if plan.article:
        form["kb_article"] = plan.article
    return form


def email(name: str) -> str:
    ascii_name = name.lower().replace(" ", ".").translate(str.maketrans("åäöé", "aaoe"))
    return f"{ascii_name}@example.org"


def outcome_form(visit: Visit) -> dict[str, Any]:
    """What the officer enters in Handle request for this visit's outcome."""
    if visit.outcome == "resolved":
        return {"outcome": "resolved", "answer": ANSWER}
    if visit.outcome == "need_info":
        return {"outcome": "need_info", "info_question": QUESTION}
    return {"outcome": "wrong_office", "correct_office": visit.correct_office}


class HistoryWriter:
    """Buffers synthetic cases and writes them in batches: a few INSERTs per few hundred cases."""

    def __init__(self, session: Session, version: ProcessVersion, cast: Cast,
                 elements: dict[str, tuple[str, str]], articles: dict[str, int], batch: int = 400):
        self.session, self.version, self.cast = session, version, cast
        self.elements, self.articles, self.batch = elements, articles, batch
        self.pending: list[SyntheticCase] = []
        self.written = 0

    def add(self, plan: Plan) -> None:
        self.pending.append(SyntheticCase(plan, self.version, self.cast, self.elements, self.articles))
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        cases, self.pending = self.pending, []
        by_token = self._insert(CASES, [c.case for c in cases], "tracking_token")
        ids = [by_token[c.case["tracking_token"]] for c in cases]
        refs = {case_id: f"CR-{c.case['created_at'].year}-{case_id:06d}" for case_id, c in zip(ids, cases, strict=True)}
        set_ref = update(CASES).where(CASES.c.id == bindparam("b_id")).values(business_key=bindparam("b_ref"))
        self.session.execute(set_ref, [{"b_id": case_id, "b_ref": ref} for case_id, ref in refs.items()])
        tasks = [(case_id, task) for case_id, c in zip(ids, cases, strict=True) for task in c.tasks]
        by_spiff_id = self._insert(TASKS, [{**task, "case_id": case_id, "case_ref": refs[case_id]}
                                           for case_id, task in tasks], "spiff_task_id")
        for _, task in tasks:
            task["id"] = by_spiff_id[task["spiff_task_id"]]
        self.session.execute(insert(EVENTS), [
            {**row, "case_id": case_id if of_case else None, "task_id": task["id"] if task else None}
            for case_id, c in zip(ids, cases, strict=True) for row, task, of_case in c.events])
        surveys = [{**c.survey, "case_id": case_id} for case_id, c in zip(ids, cases, strict=True) if c.survey]
        if surveys:
            self.session.execute(insert(SURVEYS), surveys)
        self.written += len(cases)

    def _insert(self, table: Table, rows: list[dict[str, Any]], key: str) -> dict[str, int]:
        """INSERT many rows; their new ids by `key`, a column unique to each new row (a random token).

        Cheaper than INSERT ... RETURNING in parameter order, which SQLite can only do a row at a time."""
        if not rows:
            return {}
        self.session.execute(insert(table), rows)
        found = self.session.execute(select(table.c[key], table.c.id).where(table.c[key].in_([r[key] for r in rows])))
        return {value: row_id for value, row_id in found}
