"""What a routine says about itself in its BPMN: the OneStop properties an analyst sets in the modeler.

The application reads these instead of naming one routine's element ids in code:

- on the process: `business_key_prefix`, `start_groups`, `citizen_channel`, `category_field`, and the
  field properties (FIELD_PROPERTIES) naming which field of the routine's data plays which part;
- on a user task: `role` (`intake`, `follow_up` or `citizen_reply`), `answered_when` and
  `info_request_when` (expressions over the task's data);
- on a lane: `group` (a group name or `=variable`) and `managers_only`.

They are all `spiffworkflow:property` entries inside the element's `extensionElements`, like `form` and `due`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from .sandbox import RestrictedEnvironment, check_syntax
from .types import Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiff": SPIFF}

# Which field of the case's data plays which part; each names a form field key (or a variable a decision
# table or script of the process sets). An absent property switches its part off (docs/routines.md).
FIELD_PROPERTIES: dict[str, str] = {
    "citizen_name_field": "the citizen's name (the case's citizen, the inbox, the mails' greeting)",
    "citizen_email_field": "the citizen's e-mail address (where mails go; none: no mail)",
    "channel_field": "the channel the request came in by (the case's channel, the dashboard's filter)",
    "description_field": "the citizen's description of the request (portal, Open311)",
    "first_contact_field": "a checkbox: the request was resolved on first contact",
    "kb_article_field": "the knowledge-base article the intake used",
    "office_field": "the office (group) the case is with: the case's office, the routing table's output",
    "due_field": "the case's reply deadline, an ISO moment (the case's due date, lateness, the mails' due date)",
    "answer_field": "the answer sent to the citizen (tracking page, duplicates, Open311)",
    "question_field": "the question of a request for more information (tracking page)",
    "reply_field": "the citizen's reply to such a question (tracking page)",
}
PROCESS_PROPERTIES = ("business_key_prefix", "start_groups", "citizen_channel", "category_field",
                      *FIELD_PROPERTIES)
EXPRESSION_PROPERTIES = ("answered_when", "info_request_when")
ROLE_INTAKE, ROLE_FOLLOW_UP, ROLE_CITIZEN_REPLY = "intake", "follow_up", "citizen_reply"
TASK_ROLES = (ROLE_INTAKE, ROLE_FOLLOW_UP, ROLE_CITIZEN_REPLY)
LANE_PROPERTIES = ("group", "managers_only")
BOOLEANS = ("true", "false")

PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,9}")
GROUP_NAME = re.compile(r"[a-z][a-z0-9_]{1,63}")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
FIELD_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


def properties_of(element: etree._Element) -> dict[str, str]:
    """The spiffworkflow:property name/value pairs directly on `element` (empty when it has none)."""
    props = element.xpath("./bpmn:extensionElements/spiff:properties/spiff:property", namespaces=NS)
    return {p.get("name", ""): p.get("value", "") for p in props}


def is_true(value: str | None) -> bool:
    """A boolean property: only 'true' (any case) is true."""
    return (value or "").strip().lower() == "true"


def default_prefix(process_id: str) -> str:
    """The business key prefix of a process that sets none: the initials of its id's words, upper case
    (citizen_request -> CR, permit_application -> PA, intake -> I)."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", process_id) if w]
    initials = "".join(w[0] for w in words if w[0].isalpha()).upper()
    return initials[:10] or "P"


def split_groups(value: str | None) -> list[str]:
    """`start_groups` as a list: comma separated, blanks dropped."""
    return [g.strip() for g in (value or "").split(",") if g.strip()]


def evaluate_expression(expression: str, data: Mapping[str, Any], time_limit: float = 1.0) -> Any:
    """Evaluate an analyst's expression (e.g. `answered_when`) over `data` in the script sandbox.

    Raises like a gateway condition would (NameError for a missing variable, ScriptRejected, ...)."""
    return RestrictedEnvironment(time_limit=time_limit).evaluate(expression, dict(data))


def _line(element: etree._Element) -> int | None:
    return element.sourceline or None


def _check_group(value: str) -> str | None:
    if value.startswith("="):
        return None if VARIABLE.fullmatch(value[1:]) else (
            "'=' must be followed by a case variable name, e.g. =office")
    if GROUP_NAME.fullmatch(value):
        return None
    return f"'{value}' is not a group name (lower case letters, digits and _) or =variable"


def check_properties(file: str, root: etree._Element) -> list[Problem]:
    """Problems with the OneStop properties of the processes, tasks and lanes in one BPMN file."""
    problems: list[Problem] = []
    for process in root.xpath("//bpmn:process", namespaces=NS):
        pid = process.get("id", "")
        props = properties_of(process)
        prefix = props.get("business_key_prefix")
        if prefix is not None and not PREFIX.fullmatch(prefix):
            problems.append(Problem(file, pid, f"business_key_prefix '{prefix}' must be 1-10 upper case "
                                    "letters or digits, starting with a letter (e.g. CR)", _line(process)))
        for group in split_groups(props.get("start_groups")):
            if not GROUP_NAME.fullmatch(group):
                problems.append(Problem(file, pid, f"start_groups: '{group}' is not a group name",
                                        _line(process)))
        channel = props.get("citizen_channel")
        if channel is not None and channel.strip().lower() not in BOOLEANS:
            problems.append(Problem(file, pid, "citizen_channel must be true or false", _line(process)))
        field = props.get("category_field")
        for name in ("category_field", *FIELD_PROPERTIES):
            value = props.get(name)
            if value is not None and not FIELD_KEY.fullmatch(value):
                problems.append(Problem(file, pid, f"{name} '{value}' is not a form field key", _line(process)))
        intakes = []
        for task in process.xpath(".//bpmn:userTask | .//bpmn:manualTask", namespaces=NS):
            tid = task.get("id", "")
            task_props = properties_of(task)
            role = task_props.get("role")
            if role is not None and role not in TASK_ROLES:
                problems.append(Problem(file, tid, f"unknown role '{role}' (one of: {', '.join(TASK_ROLES)})",
                                        _line(task)))
            if role == ROLE_INTAKE:
                intakes.append(tid)
            for name in EXPRESSION_PROPERTIES:
                expression = task_props.get(name)
                if expression is not None:
                    error = check_syntax(expression, "eval") if expression.strip() else "empty expression"
                    if error:
                        problems.append(Problem(file, tid, f"{name}: {error}", _line(task)))
        if len(intakes) > 1:
            problems.append(Problem(file, intakes[1], f"only one task may have role intake (also {intakes[0]})",
                                    _line(process)))
        if field is not None and not intakes:
            problems.append(Problem(file, pid, "category_field needs a task with role intake whose form "
                                    "has that field", _line(process)))
        for lane in process.xpath(".//bpmn:lane", namespaces=NS):
            lane_props = properties_of(lane)
            lid = lane.get("id", "")
            lane_group = lane_props.get("group")
            group_error = _check_group(lane_group.strip()) if lane_group is not None else None
            if group_error:
                problems.append(Problem(file, lid, f"lane group: {group_error}", _line(lane)))
            managers = lane_props.get("managers_only")
            if managers is not None and managers.strip().lower() not in BOOLEANS:
                problems.append(Problem(file, lid, "managers_only must be true or false", _line(lane)))
    return problems
