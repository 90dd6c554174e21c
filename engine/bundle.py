"""A deployable set of files (BPMN, DMN, forms) parsed into SpiffWorkflow specs once."""

from __future__ import annotations

import hashlib
import itertools
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from .checks import check_bpmn, check_dmn, check_form
from .timers import StepClockParser
from .types import InvalidProcess, Problem
from .xml import XmlRejected, element_at_line, element_lines, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
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
                    p.get("id", "") for p in root.iter("{*}process") if p.get("isExecutable") == "true"
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
    if roots and not process_ids and not problems and any(file_kind(n) == "bpmn" for n in roots):
        first = next(n for n in roots if file_kind(n) == "bpmn")
        problems.append(Problem(first, "", "no executable process (set isExecutable=\"true\")"))
    return _Parsed(problems, parser, process_ids, names, forms, roots)


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
    bundles: list[ProcessBundle] = []
    problems: list[Problem] = []
    digest = content_hash(files)
    for process_id in parsed.process_ids:
        specs, spec_problems = _specs(parsed, process_id, files)
        problems += spec_problems
        if specs is None:
            continue
        spec, subprocess_specs = specs
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
