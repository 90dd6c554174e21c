"""The request types citizens can report: the categories of the deployed intake form.

Read from the current version of the reference process, so a category an analyst adds in the
modeler shows up here (in Open311's service list, for one) without touching Python. The office
of a category comes from the routing decision table when a rule names it with a plain literal.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import file_kind
from engine.xml import XmlRejected, parse_xml

from .cases import current_version
from .errors import NotFound
from .forms import form_fields
from .models import Group
from .runtime import bundle_for

PROCESS_KEY = "citizen_request"
INTAKE_FORM = "intake.form"
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


_parsed: dict[str, tuple[_Entry, ...]] = {}  # by content hash of the version


def list_services(session: Session) -> list[Service]:
    """Every category of the current intake form, in the form's order; NotFound when nothing is deployed."""
    version = current_version(session, PROCESS_KEY)
    entries = _parsed.get(version.content_hash)
    if entries is None:
        entries = _read_entries(bundle_for(version).files)
        if len(_parsed) > 32:  # a handful of versions a year; never let it grow without bound
            _parsed.clear()
        _parsed[version.content_hash] = entries
    titles = {name: title for name, title in session.execute(select(Group.name, Group.title))}
    return [_service(entry, titles) for entry in entries]


def find_service(session: Session, code: str) -> Service:
    for service in list_services(session):
        if service.code == code:
            return service
    raise NotFound(f"no service with service_code '{code}'")


def _service(entry: _Entry, titles: dict[str, str]) -> Service:
    title = titles.get(entry.office) if entry.office else None
    words = [entry.code.replace("_", " "), entry.name.lower(), *([title.lower()] if title else [])]
    return Service(
        code=entry.code, name=entry.name,
        description=entry.rule_description or (f"{entry.name}: handled by {title}" if title else entry.name),
        office=entry.office, office_title=title, keywords=tuple(dict.fromkeys(words)),
    )


def _read_entries(files: dict[str, str]) -> tuple[_Entry, ...]:
    form_text = next((content for name, content in files.items() if name.rsplit("/", 1)[-1] == INTAKE_FORM), None)
    try:
        fields = form_fields(json.loads(form_text)) if form_text is not None else []
    except ValueError:
        return ()
    field = next((f for f in fields if f.key == "category"), None)
    if field is None or not isinstance(field.component.get("values"), list):
        return ()
    routes, default = _routes(files)
    entries = []
    for option in field.component["values"]:
        if not isinstance(option, dict) or not isinstance(option.get("value"), str):
            continue
        code = option["value"]
        office, description = routes.get(code, default)
        entries.append(_Entry(code, str(option.get("label") or code), office, description))
    return tuple(entries)


def _routes(files: dict[str, str]) -> tuple[dict[str, tuple[str | None, str]], tuple[str | None, str]]:
    """(office and rule description by category, the catch-all's) from a table with input `category`
    and output `office`; rules are read in order, so the first match wins as with hit policy FIRST."""
    routes: dict[str, tuple[str | None, str]] = {}
    default: tuple[str | None, str] | None = None
    for table in _routing_tables(files):
        inputs = [(i.findtext("{*}inputExpression/{*}text") or "").strip() for i in table.findall("{*}input")]
        outputs = [o.get("name") for o in table.findall("{*}output")]
        col_in, col_out = inputs.index("category"), outputs.index("office")
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


def _routing_tables(files: dict[str, str]) -> list[etree._Element]:
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
            if "category" in inputs and "office" in [o.get("name") for o in table.findall("{*}output")]:
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
