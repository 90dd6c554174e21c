"""The request types citizens can report: the options of the category field of the deployed intake form.

Read from the current version of the process that takes citizens' requests (`citizen_channel`), its
task with role `intake` and its `category_field` (processes.routines), so a category an analyst adds in
the modeler shows up here (in Open311's service list, for one) without touching Python. The office of a
category comes from the routing decision table (input: the category field, output `office`) when a
rule names it with a plain literal.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from lxml import etree
from sqlalchemy.orm import Session

from engine import ProcessBundle, file_kind
from engine.xml import XmlRejected, parse_xml

from .case_search import group_titles
from .errors import NotFound
from .forms import form_fields
from .language import reading_language
from .models import ProcessVersion
from .routines import citizen_version, version_routine
from .runtime import bundle_for
from .texts import Text
from .translations import version_texts

CATCH_ALL = ("", "-")


@dataclass(frozen=True)
class Service:
    """One request type: `code` is the intake form's category value."""

    code: str
    name: str
    description: str
    office: str | None
    office_title: str | None
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    office: str | None
    rule_description: str


_parsed: dict[tuple[str, str], tuple[_Entry, ...]] = {}  # by key and content hash of the version


def services_version(session: Session) -> ProcessVersion:
    """The version whose intake form lists the services: the citizen channel's current one."""
    return citizen_version(session)


def list_services(session: Session) -> list[Service]:
    """Every category of the current intake form, in the form's order; NotFound when no deployed
    process takes citizens' requests."""
    version = services_version(session)
    entries = _parsed.get((version.key, version.content_hash))
    if entries is None:
        routine = version_routine(version)
        entries = _read_entries(bundle_for(version), routine.category_field, routine.office_field,
                                routine.intake_element)
        if len(_parsed) > 32:  # a handful of versions a year; never let it grow without bound
            _parsed.clear()
        _parsed[(version.key, version.content_hash)] = entries
    titles = group_titles(session)
    texts, language, field = version_texts(version), reading_language(), version_routine(version).category_field
    return [_service(entry, titles, texts.option(field or "", entry.code, language)) for entry in entries]


def find_service(session: Session, code: str) -> Service:
    for service in list_services(session):
        if service.code == code:
            return service
    raise NotFound(Text("no service with service_code '%(code)s'", code=code))


def _service(entry: _Entry, titles: dict[str, str], label: str | None) -> Service:
    title = titles.get(entry.office) if entry.office else None
    name = label or entry.name  # in the reader's language
    words = [entry.code.replace("_", " "), entry.name.lower(), name.lower(), *([title.lower()] if title else [])]
    return Service(
        code=entry.code, name=name,
        description=entry.rule_description or (f"{name}: handled by {title}" if title else name),
        office=entry.office, office_title=title, keywords=tuple(dict.fromkeys(words)),
    )


def _read_entries(bundle: ProcessBundle, category_field: str | None, office_field: str | None,
                  intake: str | None) -> tuple[_Entry, ...]:
    form = bundle.form(bundle.element_properties.get(intake or "", {}).get("form"))
    if form is None or not category_field:
        return ()
    try:
        fields = form_fields(form)
    except ValueError:
        return ()
    field = next((f for f in fields if f.key == category_field), None)
    if field is None or not isinstance(field.component.get("values"), list):
        return ()
    routes, default = _routes(bundle.files, category_field, office_field) if office_field else ({}, (None, ""))
    entries = []
    for option in field.component["values"]:
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            continue
        code = option["value"]
        office, description = routes.get(code, default)
        entries.append(_Entry(code, str(option.get("label") or code), office, description))
    return tuple(entries)


def _routes(files: dict[str, str], category_field: str,
            office_field: str) -> tuple[dict[str, tuple[str | None, str]], tuple[str | None, str]]:
    """(office and rule description by category, the catch-all's) from a table with the category field
    as input and the office field as output; rules are read in order, so the first match wins as with hit
    policy FIRST."""
    routes: dict[str, tuple[str | None, str]] = {}
    default: tuple[str | None, str] | None = None
    for table in _routing_tables(files, category_field, office_field):
        inputs = [(i.findtext("{*}inputExpression/{*}text") or "").strip() for i in table.findall("{*}input")]
        outputs = [o.get("name") for o in table.findall("{*}output")]
        col_in, col_out = inputs.index(category_field), outputs.index(office_field)
        for rule in table.findall("{*}rule"):
            cells = [(e.findtext("{*}text") or "").strip() for e in rule.findall("{*}inputEntry")]
            outs = [(e.findtext("{*}text") or "").strip() for e in rule.findall("{*}outputEntry")]
            if len(cells) != len(inputs) or len(outs) != len(outputs):
                continue
            office = _literals(outs[col_out])
            target = (office[0] if len(office) == 1 else None, (rule.findtext("{*}description") or "").strip())
            if cells[col_in] in CATCH_ALL:
                default = default or target
            for category in _literals(cells[col_in]):
                routes.setdefault(category, target)
        break
    return routes, default or (None, "")


def _routing_tables(files: dict[str, str], category_field: str, office_field: str) -> list[etree._Element]:
    tables = []
    for name, content in files.items():
        if file_kind(name) != "dmn":
            continue
        try:
            root = parse_xml(content)
        except XmlRejected:
            continue
        for table in root.iter("{*}decisionTable"):
            inputs = [(i.findtext("{*}inputExpression/{*}text") or "").strip() for i in table.findall("{*}input")]
            if category_field in inputs and office_field in [o.get("name") for o in table.findall("{*}output")]:
                tables.append(table)
    return tables


def _literals(cell: str) -> list[str]:
    """The string literals of a cell like `"pothole"` or `"a", "b"`; [] for anything cleverer."""
    try:
        value = ast.literal_eval(cell) if cell not in CATCH_ALL else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return []
