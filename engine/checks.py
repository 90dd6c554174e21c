"""Checks SpiffWorkflow does not make at parse time, so analysts hear of mistakes before deploy.

Every script and expression is compiled in the sandbox up front: a typo in a gateway
condition would otherwise surface only when a citizen's case reaches it.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable
from typing import Any

from lxml import etree

from .sandbox import check_syntax
from .types import Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiff": SPIFF}

HUMAN_TASKS = ("userTask", "manualTask")


def _line(element: etree._Element) -> int | None:
    return element.sourceline or None


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _owner_id(element: etree._Element) -> str:
    while element is not None and not element.get("id"):
        element = element.getparent()
    return element.get("id", "") if element is not None else ""


def _syntax(
    file: str, element: etree._Element, source: str, mode: str, what: str, owner: str | None = None
) -> list[Problem]:
    if not source:
        return []
    error = check_syntax(source, mode)
    if error is None:
        return []
    return [Problem(file, owner or _owner_id(element), f"{what}: {error}", _line(element))]


def _properties(task: etree._Element) -> dict[str, str]:
    props = task.xpath("./bpmn:extensionElements/spiff:properties/spiff:property", namespaces=NS)
    return {p.get("name", ""): p.get("value", "") for p in props}


SUBPROCESS_TAGS = {f"{{{BPMN}}}{tag}" for tag in ("subProcess", "transaction", "adHocSubProcess")}


def _subprocess_in_lane(task: etree._Element, in_lanes: set[str]) -> bool:
    """SpiffWorkflow gives every task inside an embedded sub-process in a lane that lane."""
    parent = task.getparent()
    while parent is not None and parent.tag in SUBPROCESS_TAGS:
        if parent.get("id") in in_lanes:
            return True
        parent = parent.getparent()
    return False


def check_bpmn(
    file: str,
    root: etree._Element,
    *,
    decisions: set[str],
    forms: set[str],
    services: Iterable[str] | None,
) -> list[Problem]:
    problems: list[Problem] = _id_clashes(file, root)
    known_services = set(services) if services is not None else None
    for process in root.xpath("//bpmn:process", namespaces=NS):
        pid = process.get("id", "")
        if process.get("isExecutable", "true") == "true" and not process.xpath("./bpmn:startEvent", namespaces=NS):
            problems.append(Problem(file, pid, "process has no start event", _line(process)))
        in_lanes = set(process.xpath(".//bpmn:lane/bpmn:flowNodeRef/text()", namespaces=NS))
        for tag in HUMAN_TASKS:
            for task in process.xpath(f".//bpmn:{tag}", namespaces=NS):
                tid = task.get("id", "")
                if tid not in in_lanes and not _subprocess_in_lane(task, in_lanes):
                    problems.append(
                        Problem(file, tid, "user task is not in any lane (the lane says who works on it)",
                                _line(task))
                    )
                props = _properties(task)
                form = props.get("form")
                if form and posixpath.basename(form) not in forms:
                    problems.append(Problem(file, tid, f"form file '{form}' is missing", _line(task)))
                problems += _syntax(file, task, props.get("due", ""), "eval", "due date expression")
    for start in root.xpath("//bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent[bpmn:errorEventDefinition"
                            " or bpmn:escalationEventDefinition]", namespaces=NS):
        problems.append(Problem(file, start.get("id", ""), "error and escalation start events are not supported "
                                "(SpiffWorkflow would start this event sub-process with every case); use a boundary "
                                "event on a sub-process instead", _line(start)))
    for task in root.xpath("//bpmn:businessRuleTask", namespaces=NS):
        ref = _text(task.find("bpmn:extensionElements/spiff:calledDecisionId", NS))
        if not ref:
            problems.append(Problem(file, task.get("id", ""), "business rule task names no decision",
                                    _line(task)))
        elif ref not in decisions:
            problems.append(Problem(file, task.get("id", ""), f"decision '{ref}' is missing (no DMN file "
                                    "defines it)", _line(task)))
    for task in root.xpath("//bpmn:serviceTask", namespaces=NS):
        operator = task.find("bpmn:extensionElements/spiff:serviceTaskOperator", NS)
        tid = task.get("id", "")
        if operator is None:
            problems.append(Problem(file, tid, "service task names no operator", _line(task)))
            continue
        if known_services is not None and operator.get("id") not in known_services:
            problems.append(Problem(file, tid, f"unknown service '{operator.get('id')}'", _line(task)))
        for param in operator.xpath(".//spiff:parameter", namespaces=NS):
            problems += _syntax(file, param, param.get("value", ""), "eval",
                                f"parameter '{param.get('id')}'", owner=tid)
    for script in root.xpath("//bpmn:scriptTask/bpmn:script", namespaces=NS):
        problems += _syntax(file, script, script.text or "", "exec", "script")
    for tag in ("preScript", "postScript"):
        for script in root.xpath(f"//spiff:{tag}", namespaces=NS):
            problems += _syntax(file, script, script.text or "", "exec", tag)
    for condition in root.xpath("//bpmn:sequenceFlow/bpmn:conditionExpression", namespaces=NS):
        problems += _syntax(file, condition, _text(condition), "eval", "condition")
    problems += _dropped_payloads(file, root)
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        for timer in root.xpath(f"//bpmn:timerEventDefinition/bpmn:{tag}", namespaces=NS):
            event = timer.getparent().getparent()
            problems += _syntax(file, timer, _text(timer), "eval", "timer expression", owner=_owner_id(event))
    return problems


CATCHING = ("startEvent", "intermediateCatchEvent", "boundaryEvent")


def _dropped_payloads(file: str, root: etree._Element) -> list[Problem]:
    """SpiffWorkflow 3.2 keeps a caught message's payload only in the variable its
    spiffworkflow:messageVariable names (on the bpmn:message, the event definition or the receive
    task), and a signal's only in the spiffworkflow:variableName of its bpmn:signal: without one the
    payload is silently dropped, so every catching element must name one."""
    problems = []
    catchers = [(definition, definition.getparent()) for tag in CATCHING
                for definition in root.xpath(f"//bpmn:{tag}/bpmn:messageEventDefinition"
                                             f" | //bpmn:{tag}/bpmn:signalEventDefinition", namespaces=NS)]
    catchers += [(task, task) for task in root.xpath("//bpmn:receiveTask", namespaces=NS)]
    for definition, element in catchers:
        signal = definition.tag.endswith("signalEventDefinition")
        ref = definition.get("signalRef" if signal else "messageRef", "")
        target = root.xpath(f"//bpmn:{'signal' if signal else 'message'}[@id=$ref]", namespaces=NS, ref=ref)
        if signal:
            named = bool(target) and bool(_text(target[0].find("bpmn:extensionElements/spiff:variableName", NS)))
            fix = "spiffworkflow:variableName in the extension elements of its bpmn:signal"
        else:
            holders = [*target, definition]
            named = bool(ref) and any(_text(h.find(".//spiff:messageVariable", NS)) for h in holders)
            fix = "spiffworkflow:messageVariable (on the bpmn:message or the event definition)"
        if not named:
            kind = "signal" if signal else "message"
            what = f"{kind} '{target[0].get('name', ref)}'" if target else f"a {kind} with no {kind}Ref"
            problems.append(Problem(file, element.get("id", ""), f"catches {what} but names no variable for its "
                                    f"payload, which SpiffWorkflow would drop: add {fix}", _line(element)))
    return problems


def _id_clashes(file: str, root: etree._Element) -> list[Problem]:
    """SpiffWorkflow indexes every element with an id, extension elements included, so a task
    whose id equals its service operator's id is silently replaced by the operator."""
    extension_ids = {e.get("id") for e in root.iter(f"{{{SPIFF}}}*") if e.get("id")}
    return [
        Problem(file, e.get("id", ""), f"id '{e.get('id')}' is also the id of a service operator or "
                "parameter; give the element another id", _line(e))
        for e in root.iter(f"{{{BPMN}}}*")
        if e.get("id") in extension_ids
    ]


def _dmn_entry_source(entry: str) -> str:
    """Spiff compares input entries to the input value; compile them the way it will run them."""
    stripped = entry.strip()
    if stripped in ("", "-"):
        return ""
    if stripped[:2] in ("<=", ">=", "==", "!=") or stripped[:1] in ("<", ">"):
        return f"dmninputexpr {stripped}"
    return stripped


def check_dmn(file: str, root: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    for expression in root.iter("{*}inputExpression"):
        text = _text(expression.find("{*}text"))
        problems += _syntax(file, expression, text, "eval", "input expression")
    for rule in root.iter("{*}rule"):
        rid = rule.get("id", "")
        for entry in list(rule.iter("{*}inputEntry")) + list(rule.iter("{*}outputEntry")):
            text = _text(entry.find("{*}text"))
            source = _dmn_entry_source(text) if entry.tag.endswith("inputEntry") else text
            problems += _syntax(file, entry, source, "eval", f"rule entry '{text}'", owner=rid)
    return problems


def check_form(file: str, content: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse a form-js file; every field needs a unique key."""
    try:
        form = json.loads(content)
    except json.JSONDecodeError as err:
        return None, [Problem(file, "", f"invalid JSON: {err.msg}", err.lineno)]
    if not isinstance(form, dict) or not isinstance(form.get("components"), list):
        return None, [Problem(file, "", "not a form-js form (no components list)")]
    problems: list[Problem] = []
    seen: set[str] = set()
    stack = list(form["components"])
    while stack:
        component = stack.pop(0)
        if not isinstance(component, dict):
            problems.append(Problem(file, "", "a component is not an object"))
            continue
        stack.extend(component.get("components") or [])
        key = component.get("key")
        if key is None:
            continue
        if key in seen:
            problems.append(Problem(file, str(component.get("id") or key), f"duplicate field key '{key}'"))
        seen.add(key)
    return form, problems
