"""What happens to each demo request, drawn from believable distributions: a plan of dated steps.

A plan only says *what* happens and *when*; processes/demo_history.py writes it straight into the
tables for requests that were over before now, and drives the real operations for the rest.
The numbers are invented but shaped like a Swedish municipality's contact centre: phone first,
first-contact resolution high for simple errands and low for social matters, a few misroutes,
slower offices where requests need a decision.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from .calendar import WorkingCalendar

CHANNEL_WEIGHTS = {"phone": 45, "walk_in": 15, "email": 20, "web": 15, "app": 5}
OFFICE_HOURS_CHANNELS = ("phone", "walk_in")
# category -> (share of requests, first-contact resolution rate, office, reply days as route_request.dmn)
CATEGORIES = {
    "pothole": (24, 0.40, "streets_parks", 5),
    "streetlight": (14, 0.65, "streets_parks", 10),
    "missed_collection": (22, 0.70, "waste", 3),
    "building_permit": (12, 0.62, "building_permits", 20),
    "financial_aid": (12, 0.22, "social_services", 10),
    "school_placement": (16, 0.50, "education", 15),
}
CHANNEL_FIRST_CONTACT = {"phone": 1.15, "walk_in": 1.2, "email": 0.8, "web": 0.6, "app": 0.45}
# Requests per month (Jan..Dec) by category: potholes after the thaw, placements in spring.
SEASON = {
    "pothole": (1.3, 1.6, 1.8, 1.5, 0.9, 0.7, 0.6, 0.6, 0.7, 0.9, 1.1, 1.2),
    "streetlight": (1.6, 1.4, 1.1, 0.8, 0.5, 0.4, 0.4, 0.6, 0.9, 1.3, 1.6, 1.7),
    "missed_collection": (1.2, 1.0, 0.9, 0.9, 1.0, 1.1, 1.3, 1.2, 0.9, 0.9, 0.9, 1.3),
    "building_permit": (0.6, 0.7, 1.1, 1.5, 1.6, 1.4, 0.8, 1.0, 1.2, 1.0, 0.7, 0.5),
    "financial_aid": (1.3, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 1.1, 1.0, 1.0, 1.0, 1.2),
    "school_placement": (1.1, 1.5, 1.8, 1.6, 1.0, 0.8, 0.5, 1.3, 1.0, 0.7, 0.6, 0.5),
}
# office -> (median hours to pickup, share of the reply days the work takes, survey mean score)
OFFICES = {
    "streets_parks": (3.0, 0.50, 3.9),
    "waste": (1.5, 0.30, 4.3),
    "building_permits": (10.0, 0.70, 3.2),
    "social_services": (5.0, 0.40, 3.6),
    "education": (8.0, 0.55, 3.8),
}
REROUTE_RATE = 0.065
NEED_INFO_RATE = 0.15
SURVEY_RESPONSE_RATE = 0.35


@dataclass
class Visit:
    """One stay of the request in an office's Handle request."""

    office: str
    entered: datetime
    claim_at: datetime
    done_at: datetime
    outcome: str  # resolved / need_info / wrong_office
    correct_office: str | None = None
    reply_at: datetime | None = None  # need_info: when the CSU recorded the citizen's reply


@dataclass
class Plan:
    received: datetime
    channel: str
    category: str
    citizen: str
    description: str
    intake_done: datetime
    first_contact: bool
    article: str | None = None
    article_helped: bool | None = None  # the agent's vote, if any
    reply_days: int = 0
    due_at: datetime | None = None
    visits: list[Visit] = field(default_factory=list)
    escalations: list[datetime] = field(default_factory=list)
    follow_ups: list[datetime] = field(default_factory=list)  # the manager's follow-up, one per escalation
    survey: tuple[datetime, int] | None = None

    @property
    def office(self) -> str | None:
        return self.visits[-1].office if self.visits else None

    @property
    def answered_at(self) -> datetime | None:
        return self.visits[-1].done_at if self.visits else None

    def steps(self) -> list[tuple[datetime, str, int]]:
        """(when, action, index) in time order; actions: start, intake, claim, complete, reply (the
        index is the visit's), escalate, follow_up (the escalation's), survey."""
        steps = [(self.received, "start", 0), (self.intake_done, "intake", 0)]
        for i, visit in enumerate(self.visits):
            steps += [(visit.claim_at, "claim", i), (visit.done_at, "complete", i)]
            if visit.reply_at is not None:
                steps.append((visit.reply_at, "reply", i))
        for i, (fired, done) in enumerate(zip(self.escalations, self.follow_ups, strict=True)):
            steps += [(fired, "escalate", i), (done, "follow_up", i)]
        if self.survey is not None:
            steps.append((self.survey[0], "survey", 0))
        return sorted(steps, key=lambda step: step[0])

    @property
    def finished_at(self) -> datetime:
        """When the case closes: the answer (or first contact) and every follow-up done."""
        return max([self.answered_at or self.intake_done, *self.follow_ups])


class Planner:
    """Draws plans; `articles` maps a category to the titles of its knowledge-base articles."""

    def __init__(self, rng: random.Random, cal: WorkingCalendar, articles: dict[str, list[str]],
                 names: list[str]):
        self.rng, self.cal, self.articles, self.names = rng, cal, articles, names

    def plan(self, now: datetime, days: int) -> Plan:
        rng = self.rng
        category = _weighted(rng, {k: v[0] for k, v in CATEGORIES.items()})
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        received = self._received(now, days, channel, category)
        _, fcr_rate, office, reply_days = CATEGORIES[category]
        first_contact = rng.random() < min(0.95, fcr_rate * CHANNEL_FIRST_CONTACT[channel])
        plan = Plan(received=received, channel=channel, category=category, citizen=rng.choice(self.names),
                    description=describe(rng, category), first_contact=first_contact,
                    intake_done=received + timedelta(minutes=rng.uniform(3, 12) if channel in OFFICE_HOURS_CHANNELS
                                                     else rng.uniform(20, 600)))
        self._article(plan)
        if not first_contact:
            plan.reply_days = reply_days
            plan.due_at = self.cal.working_days_after(plan.intake_done, reply_days)
            self._office_work(plan, office)
            self._deadline(plan)
            self._survey(plan)
        return plan

    def _received(self, now: datetime, days: int, channel: str, category: str) -> datetime:
        rng, zone = self.rng, self.cal.zone
        while True:
            day = (now - timedelta(days=rng.uniform(0, days))).astimezone(zone).date()
            if rng.random() * 1.8 > SEASON[category][day.month - 1]:
                continue
            if channel in OFFICE_HOURS_CHANNELS:
                if not self.cal.is_working_day(day):
                    continue
                hour = rng.uniform(8, 16.5)
            else:
                hour = rng.uniform(7, 23) if rng.random() < 0.85 else rng.uniform(0, 24)
            moment = datetime.combine(day, time(), zone) + timedelta(hours=hour)
            if moment < now:
                return moment

    def _article(self, plan: Plan) -> None:
        rng, titles = self.rng, self.articles.get(plan.category) or []
        tried = rng.random() < (0.8 if plan.first_contact else 0.3)
        if not titles or not tried:
            return
        plan.article = rng.choice(titles)
        if plan.first_contact and rng.random() < 0.6:
            plan.article_helped = True
        elif not plan.first_contact and rng.random() < 0.5:
            plan.article_helped = False

    def _office_work(self, plan: Plan, office: str) -> None:
        """Visits of Handle request until an office resolves the request."""
        rng, entered = self.rng, plan.intake_done
        while True:
            pickup_hours, work_share, _ = OFFICES[office]
            claim = self.office_hours(entered + timedelta(hours=rng.lognormvariate(0, 0.9) * pickup_hours))
            first = not plan.visits
            if first and rng.random() < REROUTE_RATE:
                other = rng.choice([o for o in OFFICES if o != office])
                done = self.office_hours(claim + timedelta(hours=rng.uniform(0.2, 20)))
                plan.visits.append(Visit(office, entered, claim, done, "wrong_office", correct_office=other))
                office, entered = other, done
                continue
            resumed = bool(plan.visits) and plan.visits[-1].outcome == "need_info"  # only the rest is left
            days = max(0, round(rng.lognormvariate(0, 0.55) * work_share * plan.reply_days * (0.4 if resumed else 1)))
            done = self.office_hours(self.cal.working_days_after(claim, days) - timedelta(hours=rng.uniform(7, 14)))
            done = max(done, claim + timedelta(minutes=rng.uniform(10, 90)))
            if sum(v.outcome == "need_info" for v in plan.visits) < 2 and rng.random() < NEED_INFO_RATE:
                done = self.office_hours(claim + (done - claim) * rng.uniform(0.1, 0.5))
                reply = self.office_hours(done + timedelta(days=rng.lognormvariate(0.3, 0.7)))
                plan.visits.append(Visit(office, entered, claim, done, "need_info", reply_at=reply))
                entered = reply
                continue
            plan.visits.append(Visit(office, entered, claim, done, "resolved"))
            return

    def _deadline(self, plan: Plan) -> None:
        """The deadline timer fires in the first Handle request still open when it is due (or when the
        request comes back to an office after it), and the office manager follows it up: once per
        deadline, however often the request comes back afterwards."""
        assert plan.due_at is not None
        visit = next((v for v in plan.visits if v.done_at > plan.due_at), None)
        if visit is None:
            return
        fired = max(plan.due_at, visit.entered) + timedelta(seconds=self.rng.uniform(5, 300))
        plan.escalations.append(fired)
        days = self.rng.choice((0, 1, 1, 2, 3))
        late_in_day = self.cal.working_days_after(fired, days) - timedelta(hours=self.rng.uniform(7, 14))
        done = self.office_hours(late_in_day)
        plan.follow_ups.append(max(done, fired + timedelta(minutes=self.rng.uniform(10, 120))))

    def _survey(self, plan: Plan) -> None:
        if self.rng.random() >= SURVEY_RESPONSE_RATE or plan.answered_at is None:
            return
        mean = OFFICES[plan.visits[-1].office][2] - (0.8 if plan.escalations else 0)
        score = min(5, max(1, round(self.rng.gauss(mean, 0.9))))
        plan.survey = (plan.answered_at + timedelta(hours=self.rng.lognormvariate(2.5, 1.0)), score)

    def office_hours(self, moment: datetime) -> datetime:
        """`moment`, or the next moment an office works (working days, 08:00-16:30 local)."""
        local = moment.astimezone(self.cal.zone)
        day, hour = local.date(), local.hour + local.minute / 60
        if self.cal.is_working_day(day) and 8 <= hour < 16.5:
            return moment
        if hour >= 16.5 or not self.cal.is_working_day(day):
            day += timedelta(days=1)
        while not self.cal.is_working_day(day):
            day += timedelta(days=1)
        return datetime.combine(day, time(8), self.cal.zone) + timedelta(minutes=self.rng.uniform(0, 90))


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


PLACES = ("Storgatan", "Kyrkvägen", "Parkvägen", "Skolgatan", "Björkvägen", "Hamngatan", "Ängsvägen", "Torget")
TEXTS = {
    "pothole": ("Deep pothole in the road at {place} {n}; a cyclist nearly fell.",
                "Broken asphalt on the cycle lane along {place}.", "The park bench at {place} is broken."),
    "streetlight": ("The streetlight outside {place} {n} has been out for a week.",
                    "Flickering lamp post on {place}, post number {n}."),
    "missed_collection": ("My bin at {place} {n} was not emptied on Tuesday.",
                          "The food waste bin at {place} {n} was missed again.", "The lid of our bin is broken."),
    "building_permit": ("Do I need a permit for a 25 m² shed at {place} {n}?",
                        "What is the status of my permit application for {place} {n}?"),
    "financial_aid": ("I need help paying the rent this month.", "Questions about my application for financial aid."),
    "school_placement": ("We are moving to {place} in August and need a school place for our son.",
                         "Can my daughter change school to the one on {place}?", "How long is the preschool queue?"),
}


def describe(rng: random.Random, category: str) -> str:
    return rng.choice(TEXTS[category]).format(place=rng.choice(PLACES), n=rng.randint(1, 80))
