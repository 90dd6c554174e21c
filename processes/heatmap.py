"""How requests flowed through one process version: cases per BPMN element and the time spent there.

Counts are `element_completed` events. Time spent: for user tasks, from the task's creation to its
completion (the tasks table); for every other element, from the case's previous element
completion to this one (for a timer: how long it waited). Both are nearest-rank medians computed in
the database, so no event leaves it. The counts and the step times come from one pass over the
element completions, read in case order from an index of their own (ix_events_steps).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from .errors import NotFound
from .metrics_filters import Filters, case_conditions, scoped, visible_offices
from .models import STEP_EVENT, Case, Event, ProcessVersion, Task, User
from .stats import seconds_between, sql_medians
from .texts import Text

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TOP = 5


@dataclass
class ElementHeat:
    element_id: str
    name: str
    count: int
    median_seconds: float | None


@dataclass
class Heatmap:
    version: ProcessVersion
    xml: str
    elements: list[ElementHeat]  # every element that cases passed, busiest first
    versions: list[int]  # the versions of the same process, for a selector

    @property
    def counts(self) -> dict[str, int]:
        return {e.element_id: e.count for e in self.elements}

    @property
    def busiest(self) -> list[ElementHeat]:
        return self.elements[:TOP]

    @property
    def slowest(self) -> list[ElementHeat]:
        timed = [e for e in self.elements if e.median_seconds]
        return sorted(timed, key=lambda e: (-(e.median_seconds or 0), e.element_id))[:TOP]


def process_names(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every process with a deployed version, by name."""
    newest = (select(ProcessVersion.key, func.max(ProcessVersion.id).label("id"))
              .where(ProcessVersion.status != "draft").group_by(ProcessVersion.key).subquery())
    rows = session.execute(select(ProcessVersion.key, ProcessVersion.name)
                           .join(newest, newest.c.id == ProcessVersion.id).order_by(ProcessVersion.name))
    return [(key, name) for key, name in rows]


def find_version(session: Session, key: str, number: int | None) -> ProcessVersion:
    """Version `number` of process `key`, or its newest deployed one when `number` is None."""
    query = select(ProcessVersion).where(ProcessVersion.key == key)
    if number is None:
        query = query.where(ProcessVersion.status != "draft").order_by(ProcessVersion.version.desc()).limit(1)
    else:
        query = query.where(ProcessVersion.version == number)
    version = session.scalars(query).first()
    if version is None:
        raise NotFound(Text("no version of process '%(key)s'", key=key) if number is None
                       else Text("no version %(number)s of process '%(key)s'", number=number, key=key))
    return version


def heatmap(session: Session, actor: User | None, key: str, number: int | None, filters: Filters) -> Heatmap:
    """The heatmap of a version for the requests received in the filters' period (managers: their offices)."""
    offices = scoped(filters, visible_offices(session, actor))
    version = find_version(session, key, number)
    conditions = [Case.version_id == version.id, *case_conditions(filters, offices)]
    steps = _steps(session, conditions)
    medians = {element_id: median for element_id, (_, median) in steps.items() if median is not None}
    medians.update(_task_medians(session, conditions))
    xml = bpmn_source(version)
    names = {element_id: name for element_id, (name, _) in bpmn_elements(xml).items()}
    elements = [ElementHeat(element_id, names.get(element_id, element_id), count, medians.get(element_id))
                for element_id, (count, _) in steps.items() if element_id]
    elements.sort(key=lambda e: (-e.count, e.element_id))
    versions = list(session.scalars(select(ProcessVersion.version).where(ProcessVersion.key == key)
                                    .order_by(ProcessVersion.version)))
    return Heatmap(version=version, xml=xml, elements=elements, versions=versions)


def _task_medians(session: Session, conditions: list[ColumnElement[bool]]) -> dict[str, float]:
    spent = seconds_between(session, Task.created_at, Task.completed_at)
    keyed = (select(Task.element_id, spent).join(Case, Case.id == Task.case_id)
             .where(Task.status == "completed", *conditions))
    return {element_id: median for element_id, (_, median) in sql_medians(session, keyed).items()
            if median is not None}


def _steps(session: Session, conditions: list[ColumnElement[bool]]) -> dict[str | None, tuple[int, float | None]]:
    """{element id: (completions, median seconds since the case's previous element completion)}."""
    # Inlined rather than bound, so that PostgreSQL may prove the partial index ix_events_steps
    # applies even to a cached generic plan; it then reads it in (case, at, id) order for lag().
    completed = Event.kind == literal(STEP_EVENT, literal_execute=True)
    previous = func.lag(Event.at).over(partition_by=Event.case_id, order_by=(Event.at, Event.id))
    steps = (select(Event.element_id.label("element_id"), Event.at.label("at"), previous.label("previous"))
             .join(Case, Case.id == Event.case_id)
             .where(completed, *conditions)).subquery()
    keyed = select(steps.c.element_id, seconds_between(session, steps.c.previous, steps.c.at))
    return sql_medians(session, keyed)


def bpmn_source(version: ProcessVersion) -> str:
    """The BPMN file that defines the process `version.key` (the first BPMN file otherwise)."""
    sources = [f.content for f in version.files if f.kind == "bpmn"]
    for source in sources:
        if f'id="{version.key}"' in source:
            return source
    if not sources:
        raise NotFound(Text("version %(version)s of '%(key)s' has no BPMN file",
                            version=version.version, key=version.key))
    return sources[0]


def bpmn_elements(xml: str) -> dict[str, tuple[str, str]]:
    """{element id: (name, type)} of the named BPMN elements; the type as the engine logs it ("UserTask")."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml.encode(), parser)
    found = {}
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        element_id, name = element.get("id"), element.get("name")
        if element_id and name:
            tag = etree.QName(element).localname
            found[element_id] = (name, tag[:1].upper() + tag[1:])
    return found
