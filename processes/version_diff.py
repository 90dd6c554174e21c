"""What changes between two sets of process files, in the terms an administrator reviews before deploy:
BPMN elements added, removed or changed; DMN rules; form fields; whole files.

Layout (the diagram's DI) is ignored: moving a shape is not a change of the routine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine import XmlRejected, file_kind, parse_xml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CONTAINERS = {"process", "subProcess", "laneSet", "childLaneSet", "collaboration"}


@dataclass(frozen=True)
class Change:
    """One difference: `what` is element / rule / field / file; `change` is added / removed / changed."""

    kind: str  # bpmn, dmn, form or file
    file: str
    what: str
    item: str
    label: str
    change: str
    old_label: str = ""  # a changed item's label before, when the change renamed it

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.change]
        label = f" {self.label}" if self.label and self.label != self.item else ""
        if self.old_label:
            label = f" {self.old_label} -> {self.label}"
        return f"{sign} {self.file}: {self.what} {self.item}{label}"


def diff_files(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """Every change from `old` to `new`, file by file in name order."""
    changes: list[Change] = []
    for name in sorted(set(old) | set(new)):
        kind = file_kind(name) or "file"
        if name not in old or name not in new:
            changes.append(Change("file", name, "file", name, "", "added" if name in new else "removed"))
            content = new.get(name) or old.get(name) or ""
            empty = "{}" if kind == "form" else ""
            pair = (empty, content) if name in new else (content, empty)
        else:
            pair = (old[name], new[name])
        if pair[0] == pair[1]:
            continue
        compare = {"bpmn": _bpmn_changes, "dmn": _dmn_changes, "form": _form_changes}.get(kind)
        if compare is not None:
            changes += compare(name, *pair)
    return changes


def _compare(kind: str, file: str, what: str, old: dict[str, tuple[str, str]],
             new: dict[str, tuple[str, str]]) -> list[Change]:
    """old/new map item id -> (label, signature)."""
    changes = []
    for item in sorted(set(old) | set(new)):
        if item not in old:
            changes.append(Change(kind, file, what, item, new[item][0], "added"))
        elif item not in new:
            changes.append(Change(kind, file, what, item, old[item][0], "removed"))
        elif old[item][1] != new[item][1]:
            renamed = old[item][0] if old[item][0] != new[item][0] else ""
            changes.append(Change(kind, file, what, item, new[item][0], "changed", renamed))
    return changes


def _root(content: str) -> etree._Element | None:
    if not content:
        return None
    try:
        return parse_xml(content)
    except XmlRejected:
        return None


def _bpmn_elements(content: str) -> dict[str, tuple[str, str]]:
    """Each flow element, lane and participant by id: (type and name, its definition without DI)."""
    root = _root(content)
    if root is None:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        parent = element.getparent()
        element_id = element.get("id")
        if not element_id or parent is None or etree.QName(parent).localname not in CONTAINERS:
            continue
        kind = etree.QName(element).localname
        copy = etree.fromstring(etree.tostring(element))
        for child in list(copy):
            if isinstance(child.tag, str) and etree.QName(child).localname in CONTAINERS | {"lane"} \
                    and child.get("id"):
                copy.remove(child)
        for node in copy.iter():
            node.tail = (node.tail or "").strip() or None
            if len(node):
                node.text = (node.text or "").strip() or None
        label = f"{kind} '{element.get('name')}'" if element.get("name") else kind
        found[element_id] = (label, etree.tostring(copy, method="c14n").decode())
    return found


def _bpmn_changes(file: str, old: str, new: str) -> list[Change]:
    return _compare("bpmn", file, "element", _bpmn_elements(old), _bpmn_elements(new))


def _texts(element: etree._Element, tag: str) -> list[str]:
    return [" ".join((t.text or "").split()) for e in element.iter(f"{{*}}{tag}") for t in e.iter("{*}text")]


def _dmn_rules(content: str) -> dict[str, tuple[str, str]]:
    """Each rule by id: ('when <inputs> then <outputs>', its entries and description)."""
    root = _root(content)
    if root is None:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for table in root.iter("{*}decisionTable"):
        columns = "|".join(_texts(table, "inputExpression")) + "|" + "|".join(
            o.get("name", "") for o in table.iter("{*}output"))
        found[f"{table.get('id')}:columns"] = ("columns", columns)
        for rule in table.iter("{*}rule"):
            inputs, outputs = _texts(rule, "inputEntry"), _texts(rule, "outputEntry")
            label = f"when {', '.join(i or '-' for i in inputs)} then {', '.join(outputs)}"
            description = " ".join(" ".join((d.text or "").split()) for d in rule.iter("{*}description"))
            found[rule.get("id", "")] = (label, json.dumps([inputs, outputs, description]))
    return found


def _dmn_changes(file: str, old: str, new: str) -> list[Change]:
    changes = _compare("dmn", file, "rule", _dmn_rules(old), _dmn_rules(new))
    return [Change(c.kind, c.file, "columns" if c.item.endswith(":columns") else c.what, c.item.split(":")[0],
                   c.label, c.change) for c in changes]


def _form_fields(content: str) -> dict[str, tuple[str, str]]:
    """Each component with a key (else its id) by key: (its label, its definition without layout)."""
    try:
        form = json.loads(content) if content else {}
    except json.JSONDecodeError:
        return {}
    found: dict[str, tuple[str, str]] = {}
    stack: list[Any] = list(form.get("components") or []) if isinstance(form, dict) else []
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            continue
        stack.extend(component.get("components") or [])
        key = component.get("key") or component.get("id")
        if not key:
            continue
        definition = {k: v for k, v in component.items() if k not in ("id", "layout", "components")}
        label = str(component.get("label") or component.get("text") or component.get("type") or "")[:80]
        found[str(key)] = (label, json.dumps(definition, sort_keys=True))
    return found


def _form_changes(file: str, old: str, new: str) -> list[Change]:
    return _compare("form", file, "field", _form_fields(old), _form_fields(new))
