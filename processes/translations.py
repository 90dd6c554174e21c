"""A process's texts in the reader's language: forms and BPMN carry their own translations.

The scheme analysts edit (docs/translations.md): the ordinary attributes are in the default
language, English: `label`, `description`, `text` and `placeholder` of a form-js component, the
`label` of an option, the `name` of a BPMN element. A translation sits beside them:

- form-js: a custom property of the component (the editor's "Custom properties" group):
  `label_sv`, `description_sv`, `text_sv`, `placeholder_sv`, and `option_<value>_sv` for the label
  of the option whose value is `<value>`;
- BPMN: a `spiffworkflow:property` of the element named `name_sv` (the modeler's "OneStop" group), and
  for its description (`bpmn:documentation`, e.g. the process's, shown on the start page) one named
  `documentation_sv`.

A text without a translation is shown in the default language; `missing_translations` lists them
(the shipped files have none, tests/processes/test_translations.py checks).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from engine import file_kind
from engine.xml import XmlRejected, parse_xml

from .cases import current_version
from .errors import NotFound
from .language import DEFAULT_LANGUAGE, TRANSLATED
from .models import ProcessVersion
from .routines import version_routine
from .runtime import bundle_for

FORM_TEXTS = ("label", "description", "text", "placeholder")
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_NAME = re.compile(r"name_([a-z]{2})$")
_DOCUMENTATION = re.compile(r"documentation_([a-z]{2})$")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# BPMN elements whose names nobody sees on a page (diagram interchange, definitions)
_UNSHOWN = ("definitions", "BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge", "BPMNLabel")


def form_in(form: Mapping[str, Any], language: str) -> dict[str, Any]:
    """A copy of a form-js form with its texts in `language` (the default text where none is given)."""
    localized = copy.deepcopy(dict(form))
    for component in _components(localized):
        props = _properties(component)
        for attribute in FORM_TEXTS:
            text = props.get(f"{attribute}_{language}")
            if isinstance(text, str) and text and attribute in component:
                component[attribute] = text
        for option in component.get("values") or []:
            if isinstance(option, dict):
                text = props.get(f"option_{option.get('value')}_{language}")
                if isinstance(text, str) and text:
                    option["label"] = text
    return localized


def option_labels(form: Mapping[str, Any], key: str, language: str) -> dict[str, str]:
    """The option labels of field `key` by option value, in `language`; {} when the form has no such field."""
    for component in _components(form_in(form, language)):
        if component.get("key") == key and isinstance(component.get("values"), list):
            return {str(o.get("value")): str(o.get("label") or o.get("value"))
                    for o in component["values"] if isinstance(o, Mapping)}
    return {}


def _properties(component: Mapping[str, Any]) -> Mapping[str, Any]:
    """A component's custom properties (form-js keeps them as free key/value pairs)."""
    props = component.get("properties")
    return props if isinstance(props, Mapping) else {}


def _components(form: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(form.get("components") or [])
    while stack:
        component = stack.pop(0)
        if isinstance(component, dict):
            yield component
            stack[:0] = list(component.get("components") or [])


def bpmn_names(xml: str) -> dict[str, dict[str, str]]:
    """Every named BPMN element's name by language: {element id: {"en": ..., "sv": ...}}."""
    names: dict[str, dict[str, str]] = {}
    for element in _named(parse_xml(xml)):
        names[element.get("id", "")] = {DEFAULT_LANGUAGE: element.get("name", ""), **_translations(element)}
    return names


def bpmn_in(xml: str, language: str) -> str:
    """The BPMN XML with every name that has a translation into `language` replaced (for the diagram)."""
    if language == DEFAULT_LANGUAGE:
        return xml
    root = parse_xml(xml)
    for element in _named(root):
        text = _translations(element).get(language)
        if text:
            element.set("name", text)
    return etree.tostring(root, encoding="unicode")


def _named(root: etree._Element) -> Iterator[etree._Element]:
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("name") and element.get("id") \
                and etree.QName(element).localname not in _UNSHOWN and etree.QName(element).namespace != SPIFF_NS:
            yield element


def _translations(element: etree._Element, pattern: re.Pattern[str] = _NAME) -> dict[str, str]:
    props = element.iterfind(f"{{*}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property")
    return translated_properties({prop.get("name", ""): prop.get("value", "") for prop in props}, pattern)


def translated_properties(properties: Mapping[str, str], pattern: re.Pattern[str] = _DOCUMENTATION) -> dict[str, str]:
    """The translations among an element's properties by language: {"sv": ...} from `documentation_sv`
    (or, with `_NAME`, from `name_sv`); empty values are no translation."""
    found = {}
    for name, value in properties.items():
        match = pattern.fullmatch(name)
        if match and value and value.strip():
            found[match.group(1)] = value.strip()
    return found


def bpmn_documentation(xml: str) -> dict[str, dict[str, str]]:
    """Every BPMN element's description (its `bpmn:documentation`) by language: {element id: {"en": ...,
    "sv": ...}}; elements without one are left out."""
    found: dict[str, dict[str, str]] = {}
    for element in parse_xml(xml).iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        text = " ".join((d.text or "").strip() for d in element.findall(f"{{{BPMN_NS}}}documentation")).strip()
        if text:
            found[element.get("id", "")] = {DEFAULT_LANGUAGE: text, **_translations(element, _DOCUMENTATION)}
    return found


def missing_translations(files: Mapping[str, str], languages: tuple[str, ...] = TRANSLATED) -> list[str]:
    """One "file:element: what" line per text of the BPMN and forms without a translation into `languages`."""
    missing: list[str] = []
    for name, content in sorted(files.items()):
        kind = file_kind(name)
        if kind == "bpmn":
            try:
                named = bpmn_names(content)
            except XmlRejected as err:
                missing.append(f"{name}: cannot read: {err}")
                continue
            missing += [f"{name}:{element}: name {texts[DEFAULT_LANGUAGE]!r} has no {lang}"
                        for element, texts in named.items() for lang in languages if lang not in texts]
            missing += [f"{name}:{element}: documentation has no {lang}"
                        for element, texts in bpmn_documentation(content).items() for lang in languages
                        if lang not in texts]
        elif kind == "form":
            missing += [f"{name}:{where}: {what} has no {lang}"
                        for where, what, props in _form_texts(json.loads(content)) for lang in languages
                        if not props.get(f"{what}_{lang}")]
    return missing


def _form_texts(form: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(component, property stem, its properties) for every text a form shows."""
    for component in _components(form):
        where = str(component.get("key") or component.get("id") or "?")
        props = _properties(component)
        for attribute in FORM_TEXTS:
            if isinstance(component.get(attribute), str) and component[attribute].strip():
                yield where, attribute, props
        for option in component.get("values") or []:
            if isinstance(option, Mapping) and option.get("label"):
                yield where, f"option_{option.get('value')}", props


@dataclass
class ProcessTexts:
    """The names and option labels of one deployed version, in every language it has them."""

    names: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: list[dict[str, Any]] = field(default_factory=list)
    category_field: str | None = None  # the routine's category_field: whose options are its categories

    def name(self, element_id: str | None, stored: str, language: str) -> str:
        """The element's name in `language`, if `stored` (the name written at the time) is still its name."""
        texts = self.names.get(element_id or "")
        if not texts or texts.get(DEFAULT_LANGUAGE) != stored:
            return stored  # renamed since: the history keeps the name it had
        return texts.get(language) or stored

    def option(self, key: str, value: Any, language: str) -> str | None:
        """The label of the option `value` of a field `key` in any form of the version; None if unknown."""
        for form in self.forms:
            label = option_labels(form, key, language).get(str(value))
            if label is not None:
                return label
        return None


def read_texts(files: Mapping[str, str]) -> ProcessTexts:
    """The texts of a version's files (unreadable files add nothing: deployment already checked them)."""
    texts = ProcessTexts()
    for name, content in sorted(files.items()):
        try:
            if file_kind(name) == "bpmn":
                texts.names.update(bpmn_names(content))
            elif file_kind(name) == "form":
                texts.forms.append(json.loads(content))
        except (XmlRejected, ValueError):
            continue
    return texts


_texts: dict[str, ProcessTexts] = {}  # by content hash: a deployed version never changes


def version_texts(version: ProcessVersion) -> ProcessTexts:
    """The texts of a deployed version, read once per process."""
    found = _texts.get(version.content_hash)
    if found is None:
        found = read_texts(bundle_for(version).files)
        found.category_field = version_routine(version).category_field
        if len(_texts) > 64:  # a handful of versions a year; never let it grow without bound
            _texts.clear()
        _texts[version.content_hash] = found
    return found


def current_texts(session: Session, process_key: str | None) -> ProcessTexts:
    """The texts of the newest deployed version of a process; empty when there is none."""
    try:
        return version_texts(current_version(session, process_key or ""))
    except NotFound:
        return ProcessTexts()
