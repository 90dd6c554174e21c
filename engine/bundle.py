"""A deployable set of files (BPMN, DMN, forms) parsed into SpiffWorkflow specs once."""

from __future__ import annotations

import hashlib
import itertools
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .checks import check_bpmn, check_dmn, check_form
from .routine import FIELD_PROPERTIES, ROLE_INTAKE, check_properties, default_prefix, properties_of
from .timers import StepClockParser
from .types import InvalidProcess, Problem
from .xml import XmlRejected, element_at_line, element_lines, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
MAX_SCHEMA_PROBLEMS = 20
KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".form": "form"}


def file_kind(name: str) -> str | None:
    """'bpmn', 'dmn' or 'form' by extension; None for files OneStop does not read."""
    return KINDS.get(posixpath.splitext(name)[1].lower())


def content_hash(files: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()


@dataclass
class ProcessBundle:
    """Everything needed to run one process: specs parsed once, forms by file name."""

    key: str
    name: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    files: dict[str, str]
    forms: dict[str, dict[str, Any]]
    content_hash: str
    element_names: dict[str, str] = field(default_factory=dict)
    # The OneStop properties (engine.routine): of the process, of its elements by id, of its lanes by name.
    properties: dict[str, str] = field(default_factory=dict)
    element_properties: dict[str, dict[str, str]] = field(default_factory=dict)
    lane_properties: dict[str, dict[str, str]] = field(default_factory=dict)
    documentation: str = ""  # the process's own documentation: what the routine is for

    @property
    def business_key_prefix(self) -> str:
        """`business_key_prefix` of the process, or the initials of its id (citizen_request -> CR)."""
        return self.properties.get("business_key_prefix") or default_prefix(self.key)

    def elements_with(self, name: str, value: str | None = None) -> list[str]:
        """Ids of the elements that set property `name` (to `value`, when given), in id order."""
        return sorted(e for e, props in self.element_properties.items()
                      if name in props and (value is None or props[name] == value))

    def element_with_role(self, role: str) -> str | None:
        """The element whose `role` property is `role` (e.g. the intake task), or None."""
        found = self.elements_with("role", role)
        return found[0] if found else None

    def form(self, name: str | None) -> dict[str, Any] | None:
        if not name:
            return None
        return self.forms.get(posixpath.basename(name))


@dataclass
class _Parsed:
    problems: list[Problem]
    parser: SpiffBpmnParser
    process_ids: list[str]
    names: dict[str, str]
    forms: dict[str, dict[str, Any]]
    roots: dict[str, etree._Element]

    def process_element(self, process_id: str) -> etree._Element | None:
        for name, root in self.roots.items():
            if file_kind(name) == "bpmn":
                for process in root.iter(f"{{{BPMN_NS}}}process"):
                    if process.get("id") == process_id:
                        return process
        return None

    def files_of(self, process_id: str, files: Mapping[str, str]) -> dict[str, str]:
        """The files process `process_id` runs on: the BPMN files defining it and the processes it calls,
        the DMN files of the decisions those call and the forms of their tasks. One version of one process
        holds only these, so deploying a folder of routines gives each its own files and content hash."""
        bpmn = {n: r for n, r in self.roots.items() if file_kind(n) == "bpmn"}
        defined_in = {p.get("id"): n for n, r in bpmn.items() for p in r.iter(f"{{{BPMN_NS}}}process")}
        wanted: set[str] = set()
        todo = [process_id]
        while todo:
            name = defined_in.get(todo.pop())
            if name is None or name in wanted:
                continue
            wanted.add(name)
            todo += [c.get("calledElement", "") for c in bpmn[name].iter(f"{{{BPMN_NS}}}callActivity")]
        decisions = {(d.text or "").strip() for n in wanted for d in bpmn[n].iter(f"{{{SPIFF_NS}}}calledDecisionId")}
        forms = {posixpath.basename(p.get("value", "")) for n in wanted
                 for p in bpmn[n].iter(f"{{{SPIFF_NS}}}property") if p.get("name") == "form"}
        for name, root in self.roots.items():
            if file_kind(name) == "dmn" and decisions & {d.get("id") for d in root.iter("{*}decision")}:
                wanted.add(name)
        wanted |= {n for n in files if file_kind(n) == "form" and posixpath.basename(n) in forms}
        return {name: files[name] for name in sorted(wanted)}

    def routine_properties(self, process_id: str) -> tuple[dict[str, str], dict[str, dict[str, str]],
                                                           dict[str, dict[str, str]]]:
        """(process, element, lane) properties of one process; elements of other processes in the files
        (called subprocesses) are included under their own ids, the process's own win a clash."""
        process = self.process_element(process_id)
        if process is None:
            return {}, {}, {}
        elements: dict[str, dict[str, str]] = {}
        own = {e.get("id") for e in process.iter() if isinstance(e.tag, str)}
        for root in (r for n, r in self.roots.items() if file_kind(n) == "bpmn"):
            for element in root.iter(f"{{{BPMN_NS}}}*"):
                if element.tag == f"{{{BPMN_NS}}}process" or element.tag == f"{{{BPMN_NS}}}lane":
                    continue
                props = properties_of(element)
                eid = element.get("id")
                if props and eid and (eid not in elements or eid in own):
                    elements[eid] = props
        lanes = {
            lane.get("name") or lane.get("id", ""): properties_of(lane)
            for lane in process.iter(f"{{{BPMN_NS}}}lane")
            if properties_of(lane)
        }
        return properties_of(process), elements, lanes


def _parse(files: Mapping[str, str], services: Iterable[str] | None) -> _Parsed:
    problems: list[Problem] = []
    roots: dict[str, etree._Element] = {}
    forms: dict[str, dict[str, Any]] = {}
    for name, content in sorted(files.items()):
        kind = file_kind(name)
        if kind == "form":
            form, form_problems = check_form(name, content)
            problems += form_problems
            if form is not None:
                forms[posixpath.basename(name)] = form
        elif kind in ("bpmn", "dmn"):
            try:
                roots[name] = parse_xml(content)
            except XmlRejected as err:
                problems.append(Problem(name, "", str(err), err.line))

    parser = StepClockParser()
    decisions: set[str] = set()
    names: dict[str, str] = {}
    process_ids: list[str] = []
    for name, root in roots.items():
        schema_problems = _schema_problems(name, root)
        problems += schema_problems
        if schema_problems:
            continue
        lines = element_lines(root)
        try:
            if file_kind(name) == "dmn":
                parser.add_dmn_xml(root, filename=name)
                decisions.update(d.get("id", "") for d in root.iter("{*}decision"))
            else:
                parser.add_bpmn_xml(root, filename=name)
                process_ids += [
                    p.get("id", "") for p in root.iter("{*}process") if p.get("isExecutable", "true") == "true"
                ]
        except ValidationException as err:
            problems.append(_from_validation(name, err, lines))
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("id") and element.get("name"):
                names[element.get("id", "")] = element.get("name", "")

    for name, root in roots.items():
        if file_kind(name) == "bpmn":
            problems += check_bpmn(name, root, decisions=decisions, forms=set(forms), services=services)
        else:
            problems += check_dmn(name, root)
    if not problems:
        problems += _routine_problems(roots, forms, process_ids)
    if roots and not process_ids and not problems and any(file_kind(n) == "bpmn" for n in roots):
        first = next(n for n in roots if file_kind(n) == "bpmn")
        problems.append(Problem(first, "", "no executable process (set isExecutable=\"true\")"))
    return _Parsed(problems, parser, process_ids, names, forms, roots)


def _routine_problems(
    roots: Mapping[str, etree._Element], forms: Mapping[str, dict[str, Any]], process_ids: list[str]
) -> list[Problem]:
    """The OneStop properties: each file on its own, then what needs the forms and all processes."""
    problems: list[Problem] = []
    channel: list[tuple[str, str]] = []
    for name, root in roots.items():
        if file_kind(name) != "bpmn":
            continue
        problems += check_properties(name, root)
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            props = properties_of(process)
            if props.get("citizen_channel", "").strip().lower() == "true":
                channel.append((name, process.get("id", "")))
            field_key = props.get("category_field")
            if field_key:
                problems += _category_field_problems(name, process, field_key, forms)
            problems += _field_property_problems(name, process, props, roots, forms)
    if len(channel) > 1:
        problems.append(Problem(channel[1][0], channel[1][1], "citizen_channel is set on more than one "
                                f"process ({', '.join(pid for _, pid in channel)}); only one process takes "
                                "citizens' requests"))
    return problems


def _category_field_problems(
    file: str, process: etree._Element, field_key: str, forms: Mapping[str, dict[str, Any]]
) -> list[Problem]:
    for task in process.iter(f"{{{BPMN_NS}}}*"):
        props = properties_of(task)
        if props.get("role") != ROLE_INTAKE:
            continue
        form = forms.get(posixpath.basename(props.get("form") or ""))
        if form is None:
            return [Problem(file, task.get("id", ""), "category_field needs a form on the intake task")]
        if field_key not in _form_keys(form):
            return [Problem(file, process.get("id", ""),
                            f"category_field '{field_key}' is not a field of the intake form")]
        return []
    return []


_ASSIGNED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+*/]?=)(?!=)", re.MULTILINE)


def _field_property_problems(
    file: str, process: etree._Element, props: Mapping[str, str], roots: Mapping[str, etree._Element],
    forms: Mapping[str, dict[str, Any]],
) -> list[Problem]:
    """Each field property (citizen_email_field, ...) must name data the process has: a field of one of
    its tasks' forms, an output of a decision table it calls, a variable one of its scripts or service
    tasks sets or a message brings, or a declared data object (for what only the start data brings)."""
    named = {p: props[p].strip() for p in FIELD_PROPERTIES if props.get(p, "").strip()}
    if not named:
        return []
    known: set[str] = set()
    decisions: set[str] = set()
    for element in process.iter(f"{{{BPMN_NS}}}*"):
        form = forms.get(posixpath.basename(properties_of(element).get("form") or ""))
        if form is not None:
            known |= _form_keys(form)
        if element.tag == f"{{{BPMN_NS}}}script" and element.text:
            known |= set(_ASSIGNED.findall(element.text))
        if element.tag == f"{{{BPMN_NS}}}dataObject":  # declared case data, e.g. what the start data brings
            known.add(element.get("id", ""))
        if element.tag == f"{{{BPMN_NS}}}businessRuleTask":
            decisions |= {(d.text or "").strip() for d in element.iter(f"{{{SPIFF_NS}}}calledDecisionId")}
    known |= {(v.text or "").strip() for v in process.iter(f"{{{SPIFF_NS}}}messageVariable")}
    known |= {o.get("resultVariable", "") for o in process.iter(f"{{{SPIFF_NS}}}serviceTaskOperator")}
    for name, root in roots.items():
        if file_kind(name) == "dmn":
            for decision in root.iter("{*}decision"):
                if decision.get("id") in decisions:
                    known |= {o.get("name", "") for o in decision.iter("{*}output")}
    return [Problem(file, process.get("id", ""), f"{prop}: the process has no '{key}' (no form field, decision "
                    "output, script, service or message variable, or data object of that name)",
                    process.sourceline or None)
            for prop, key in named.items() if key not in known]


def _form_keys(form: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    stack = list(form.get("components") or [])
    while stack:
        component = stack.pop()
        if isinstance(component, dict):
            stack.extend(component.get("components") or [])
            if component.get("key"):
                keys.add(str(component["key"]))
    return keys


def _schema_problems(name: str, root: etree._Element) -> list[Problem]:
    if file_kind(name) != "bpmn":
        return []
    schema = VALIDATOR.validator
    VALIDATOR.preprocess(root)
    if schema.validate(root):
        return []
    # A file can be made to break the schema 100,000 times over; the first few say what is wrong.
    errors = schema.error_log
    problems = [Problem(name, element_at_line(root, error.line, BPMN_NS), f"schema: {error.message}", error.line)
                for error in itertools.islice(errors, MAX_SCHEMA_PROBLEMS)]
    if len(errors) > MAX_SCHEMA_PROBLEMS:
        problems.append(Problem(name, "", f"schema: {len(errors) - MAX_SCHEMA_PROBLEMS} more errors not shown"))
    return problems


def _from_validation(name: str, err: ValidationException, lines: dict[str, int]) -> Problem:
    element_id = getattr(err, "id", "") or ""
    message = str(err.args[0]) if err.args else str(err)
    return Problem(name, element_id, message, lines.get(element_id))


def validate(files: Mapping[str, str], services: Iterable[str] | None = None) -> list[Problem]:
    """Every problem an analyst should fix before deploy; empty when the files are runnable."""
    parsed = _parse(files, services)
    if parsed.problems:
        return parsed.problems
    problems: list[Problem] = []
    for process_id in parsed.process_ids:
        _, spec_problems = _specs(parsed, process_id, files)
        problems += spec_problems
    return problems


def _specs(parsed: _Parsed, process_id: str, files: Mapping[str, str]) -> tuple[Any, list[Problem]]:
    try:
        spec = parsed.parser.get_spec(process_id)
        subprocess_specs = parsed.parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        name = err.file_name or next(iter(files))
        lines = element_lines(parsed.roots[name]) if name in parsed.roots else {}
        return None, [_from_validation(name, err, lines)]
    return (spec, subprocess_specs), []


def load_bundles(files: Mapping[str, str], services: Iterable[str] | None = None) -> list[ProcessBundle]:
    """One bundle per executable process in the files; raises InvalidProcess listing every problem."""
    parsed = _parse(files, services)
    if parsed.problems:
        raise InvalidProcess(parsed.problems)
    own_files = {process_id: parsed.files_of(process_id, files) for process_id in parsed.process_ids}
    if any(len(own) < len(files) for own in own_files.values()):
        # Each process from its own files only: its properties, names and content hash are its own.
        return [bundle for process_id, own in own_files.items() for bundle in load_bundles(own, services)
                if bundle.key == process_id]
    bundles: list[ProcessBundle] = []
    problems: list[Problem] = []
    digest = content_hash(files)
    for process_id in parsed.process_ids:
        specs, spec_problems = _specs(parsed, process_id, files)
        problems += spec_problems
        if specs is None:
            continue
        spec, subprocess_specs = specs
        properties, element_properties, lane_properties = parsed.routine_properties(process_id)
        process = parsed.process_element(process_id)
        documentation = process.find(f"{{{BPMN_NS}}}documentation") if process is not None else None
        bundles.append(
            ProcessBundle(
                key=process_id,
                name=parsed.names.get(process_id, process_id),
                spec=spec,
                subprocess_specs=subprocess_specs,
                files=dict(files),
                forms=parsed.forms,
                content_hash=digest,
                element_names=parsed.names,
                properties=properties,
                element_properties=element_properties,
                lane_properties=lane_properties,
                documentation=(documentation.text or "").strip() if documentation is not None else "",
            )
        )
    if problems:
        raise InvalidProcess(problems)
    return bundles


def load_bundle(files: Mapping[str, str], key: str | None = None) -> ProcessBundle:
    """The bundle of process `key` (or of the only executable process)."""
    bundles = load_bundles(files)
    for bundle in bundles:
        if key is None or bundle.key == key:
            return bundle
    raise InvalidProcess([Problem(next(iter(files), "-"), key or "", "process not found in these files")])
