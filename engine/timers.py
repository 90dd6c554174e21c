"""Timer events on the step's clock, not the wall clock.

SpiffWorkflow's timer events compare their due time with `datetime.now()` whenever the case is
stepped, and compute duration timers from it. OneStop steps cases at an explicit moment (the
operation's `now`: demo history, `timers run --now`, tests), and its timers table decides when
a timer fires. So the parser builds these subclasses instead, and they read the moment from the
workflow's script engine, which the runner attaches afresh for every step: no global state, safe
in any number of threads. A timer fires when OneStop fires it, or when it is due at the step's now.

Only the parser needs to know them: the case state is stored without its spec (engine.state),
and the specs are parsed from the deployed files; the serializer registry knows them all the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.task import Task


def clock(now: datetime | None) -> datetime:
    """The step's moment as an aware UTC datetime (naive means UTC, as everything OneStop stores)."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def step_now(task: Task) -> datetime:
    """The moment the step that runs `task` happens at: the `now` of the attached script engine."""
    now = getattr(task.workflow.script_engine, "now", None)
    return now if isinstance(now, datetime) else clock(None)


class StepTimeDate(TimeDateEventDefinition):
    """A timer at a date and time (bpmn:timeDate)."""

    def has_fired(self, my_task: Task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) <= step_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class StepDuration(DurationTimerEventDefinition):
    """A timer a duration after the step that reached it (bpmn:timeDuration)."""

    def has_fired(self, my_task: Task) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            start = step_now(my_task)
            duration = TimerEventDefinition.get_timedelta_from_start(self.parse_iso_duration(expression), start)
            event_value = (start + duration).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= step_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class StepCycle(CycleTimerEventDefinition):
    """A repeating timer (bpmn:timeCycle, R[n]/start/duration or R[n]/duration)."""

    def cycle_complete(self, my_task: Task) -> bool:
        now = step_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = _recurring_interval(expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _recurring_interval(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """SpiffWorkflow's reading of a cycle, except that a bare duration starts at `now`."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        duration = TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(components[1]), now)
        return cycles, now + duration, duration
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
    return cycles, start, duration


ON_STEP_CLOCK: dict[type[TimerEventDefinition], type[TimerEventDefinition]] = {
    TimeDateEventDefinition: StepTimeDate,
    DurationTimerEventDefinition: StepDuration,
    CycleTimerEventDefinition: StepCycle,
}
SERIALIZER_CONFIG: dict[type[Any], type[Any]] = {
    cls: TimerConditionalEventDefinitionConverter for cls in ON_STEP_CLOCK.values()
}


class _StepClockTimers:
    """Turns the timer events SpiffWorkflow's event parsers build into their step-clock kind."""

    def parse_timer_event(self, event: Any) -> TimerEventDefinition:
        parsed = super().parse_timer_event(event)  # type: ignore[misc]
        return ON_STEP_CLOCK[type(parsed)](parsed.name, parsed.expression, description=parsed.description)


class _StartEventParser(_StepClockTimers, SpiffStartEventParser):
    pass


class _IntermediateCatchEventParser(_StepClockTimers, SpiffIntermediateCatchEventParser):
    pass


class _BoundaryEventParser(_StepClockTimers, SpiffBoundaryEventParser):
    pass


def _overridden(tag: str, parser: type[Any]) -> tuple[type[Any], type[Any]]:
    _, spec_class = SpiffBpmnParser.OVERRIDE_PARSER_CLASSES[full_tag(tag)]
    return parser, spec_class


class StepClockParser(SpiffBpmnParser):
    """SpiffWorkflow's parser (with its spiffworkflow: extensions) whose timers run on the step's clock."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): _overridden("startEvent", _StartEventParser),
        full_tag("intermediateCatchEvent"): _overridden("intermediateCatchEvent", _IntermediateCatchEventParser),
        full_tag("boundaryEvent"): _overridden("boundaryEvent", _BoundaryEventParser),
    }
