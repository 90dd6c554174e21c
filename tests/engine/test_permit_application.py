"""The second shipped routine, permit_application, in the engine alone: its own files, the fee table,
the two reviews in parallel, the follow-ups when they are overdue, and asking the applicant.

Each step goes through the stored (JSON) form of the state, as in test_citizen_request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import Engine, ProcessBundle, ServiceCall, Snapshot, load_bundle, load_bundles
from tests.permit_data import APPROVAL, PLANNING, REGISTRATION, TECHNICAL

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"


def shipped_files() -> dict[str, str]:
    return {p.relative_to(BPMN_DIR).as_posix(): p.read_text() for p in BPMN_DIR.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def bundle() -> ProcessBundle:
    return load_bundle(shipped_files(), key="permit_application")


class Case:
    """One case, state out to JSON and back in at every step."""

    def __init__(self, bundle: ProcessBundle):
        self.bundle, self.engine, self.sent = bundle, Engine(), []
        self.snapshot = self.engine.start(bundle, {}, self.services())

    def services(self) -> dict[str, Any]:
        def compute_due_date(call: ServiceCall) -> str:
            return (datetime(2026, 12, 1, 9, tzinfo=UTC) + timedelta(days=int(call.params["days"]))).isoformat()

        def notify_citizen(call: ServiceCall) -> dict[str, Any]:
            self.sent.append(call.params["template"])
            return {"queued": True}

        return {"compute_due_date": compute_due_date, "notify_citizen": notify_citizen}

    @property
    def ready(self) -> list[str]:
        return sorted(t.element_id for t in self.snapshot.ready_tasks)

    def state(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.snapshot.state))

    def complete(self, element_id: str, data: dict[str, Any]) -> Snapshot:
        task = next(t for t in self.snapshot.ready_tasks if t.element_id == element_id)
        self.snapshot = self.engine.complete_task(self.bundle, self.state(), task.id, data, self.services())
        assert self.engine.snapshot(self.bundle, self.state()).ready_tasks == self.snapshot.ready_tasks
        return self.snapshot

    def fire_timers(self) -> Snapshot:
        ids = [t.task_id for t in self.snapshot.timers]
        self.snapshot = self.engine.fire_timers(self.bundle, self.state(), ids, self.services())
        return self.snapshot

    def lanes(self) -> dict[str, str | None]:
        return {t.element_id: t.lane for t in self.snapshot.ready_tasks}


def test_each_shipped_process_gets_only_the_files_it_runs_on() -> None:
    bundles = {b.key: b for b in load_bundles(shipped_files())}
    assert sorted(bundles["permit_application"].files) == [
        "forms/permit_contact_applicant.form", "forms/permit_decision.form", "forms/permit_follow_up.form",
        "forms/permit_planning_review.form", "forms/permit_register.form", "forms/permit_technical_review.form",
        "permit_application.bpmn", "permit_fee.dmn"]
    assert not any("permit" in name for name in bundles["citizen_request"].files)
    assert bundles["permit_application"].content_hash != bundles["citizen_request"].content_hash


def test_the_routine_describes_itself(bundle: ProcessBundle) -> None:
    assert bundle.business_key_prefix == "PA"
    assert bundle.properties["start_groups"] == "csu,building_permits"
    assert bundle.element_with_role("intake") == "pa_register"
    assert bundle.elements_with("role", "follow_up") == ["pa_follow_up_planning", "pa_follow_up_technical"]
    manager_lane = bundle.lane_properties["Building permits manager"]
    assert (manager_lane["group"], manager_lane["managers_only"]) == ("=office", "true")


@pytest.mark.parametrize(("works", "area", "fee", "days"), [
    ("new_building", 250, 48000, 30), ("new_building", 200, 24000, 20), ("extension", 51, 16000, 20),
    ("extension", 35, 9000, 15), ("change_of_use", 80, 12000, 20), ("demolition", 0, 6000, 10),
    ("sign", 0, 3500, 10),
])
def test_the_fee_table_sets_fee_and_deadline(bundle: ProcessBundle, works: str, area: int, fee: int,
                                             days: int) -> None:
    case = Case(bundle)
    case.complete("pa_register", {**REGISTRATION, "works": works, "floor_area": area})
    assert (case.snapshot.data["fee"], case.snapshot.data["reply_days"]) == (fee, days)


def test_both_reviews_run_at_once_and_the_decision_waits_for_both(bundle: ProcessBundle) -> None:
    case = Case(bundle)
    assert case.lanes() == {"pa_register": "CSU"}
    case.complete("pa_register", REGISTRATION)
    assert case.lanes() == {"pa_technical_review": "Building permits", "pa_planning_review": "Building permits"}
    assert {t.due for t in case.snapshot.ready_tasks} == {case.snapshot.data["due_at"]}
    assert sorted(t.element_id for t in case.snapshot.timers) == ["pa_planning_overdue", "pa_technical_overdue"]
    assert (case.snapshot.data["office"], case.sent) == ("building_permits", ["acknowledgement"])

    case.complete("pa_planning_review", PLANNING)
    assert case.ready == ["pa_technical_review"]
    assert [t.element_id for t in case.snapshot.timers] == ["pa_technical_overdue"]
    case.complete("pa_technical_review", TECHNICAL)
    assert case.ready == ["pa_decide"]
    assert case.snapshot.data["planning_notes"] and case.snapshot.data["technical_notes"]

    case.complete("pa_decide", APPROVAL)
    assert case.snapshot.completed and case.snapshot.timers == []
    assert case.sent == ["acknowledgement", "answer"]


def test_overdue_reviews_give_the_manager_a_follow_up_each_and_stay_with_the_office(bundle: ProcessBundle) -> None:
    case = Case(bundle)
    case.complete("pa_register", REGISTRATION)
    case.complete("pa_technical_review", TECHNICAL)
    case.fire_timers()
    assert case.lanes() == {"pa_planning_review": "Building permits",
                            "pa_follow_up_planning": "Building permits manager"}
    case.complete("pa_follow_up_planning", {"follow_up_action": "reminded_officer", "follow_up_note": "Called."})
    case.complete("pa_planning_review", PLANNING)
    case.complete("pa_decide", {"decision": "rejected", "answer": "The plan does not allow it."})
    assert case.snapshot.completed


def test_need_info_asks_the_applicant_through_the_csu_and_comes_back(bundle: ProcessBundle) -> None:
    case = Case(bundle)
    case.complete("pa_register", REGISTRATION)
    case.complete("pa_technical_review", TECHNICAL)
    case.complete("pa_planning_review", PLANNING)
    case.complete("pa_decide", {"decision": "need_info", "info_question": "How high is the veranda?"})
    assert case.lanes() == {"pa_contact_applicant": "CSU"}
    assert case.sent[-1] == "need_info"
    case.complete("pa_contact_applicant", {"applicant_reply": "3.2 metres."})
    assert case.ready == ["pa_decide"]
    assert case.snapshot.data["info_requests"] == 1
    case.complete("pa_decide", APPROVAL)
    assert case.snapshot.completed
