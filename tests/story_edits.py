"""The analyst's story used by several tests: a new office in the routing table (with its category on
the intake form) and a new required field on the handle-request form (issue 5)."""

from __future__ import annotations

import json
from typing import Any

NEW_RULE = """      <rule id="rule_noise">
        <description>Noise complaints: environment, 5 working days</description>
        <inputEntry id="rule_noise_category">
          <text>"noise"</text>
        </inputEntry>
        <outputEntry id="rule_noise_office">
          <text>"environment"</text>
        </outputEntry>
        <outputEntry id="rule_noise_reply_days">
          <text>5</text>
        </outputEntry>
      </rule>
"""
NEW_FIELD: dict[str, Any] = {"id": "Field_reference", "key": "reference", "label": "Office reference number",
                             "type": "textfield", "validate": {"required": True, "maxLength": 40}}


def add_noise_rule(dmn: str) -> str:
    """Route category 'noise' to the office 'environment' (before the catch-all row)."""
    return dmn.replace('      <rule id="rule_other">', NEW_RULE + '      <rule id="rule_other">')


def add_reference_field(form_json: str) -> str:
    form = json.loads(form_json)
    form["components"].insert(2, dict(NEW_FIELD))
    return json.dumps(form, indent=2) + "\n"


def add_noise_category(form_json: str) -> str:
    """Offer the category 'noise' on the intake form."""
    form = json.loads(form_json)
    category = next(c for c in form["components"] if c.get("key") == "category")
    category["values"].append({"label": "Noise", "value": "noise"})
    return json.dumps(form, indent=2) + "\n"


def story_files(files: dict[str, str]) -> dict[str, str]:
    """The files after the analyst's edits: the routing row, its category, the new required field."""
    return {**files, "route_request.dmn": add_noise_rule(files["route_request.dmn"]),
            "forms/intake.form": add_noise_category(files["forms/intake.form"]),
            "forms/handle_request.form": add_reference_field(files["forms/handle_request.form"])}


INTAKE = {"channel": "phone", "citizen_name": "Alva Berg", "citizen_email": "alva@example.org",
          "description": "Loud music every night", "resolved_on_first_contact": False}


def routine_files(*steps: str, key: str = "p") -> dict[str, str]:
    """start -> one user task per step (a script 'log_<step>' before each) -> end, all in lane CSU."""
    nodes = ["start", *[n for s in steps for n in (f"log_{s}", s)], "end"]
    body = ['<bpmn:startEvent id="start"/>', '<bpmn:endEvent id="end"/>']
    for step in steps:
        body.append(f'<bpmn:scriptTask id="log_{step}"><bpmn:script>seen_{step} = True</bpmn:script>'
                    '</bpmn:scriptTask>')
        body.append(f'<bpmn:userTask id="{step}" name="{step.title()}"/>')
    body += [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
             for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False))]
    refs = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in nodes)
    xml = f"""<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
      targetNamespace="http://onestop.example/test"><bpmn:process id="{key}" isExecutable="true">
      <bpmn:laneSet id="ls"><bpmn:lane id="lane" name="CSU">{refs}</bpmn:lane></bpmn:laneSet>
      {''.join(body)}</bpmn:process></bpmn:definitions>"""
    return {f"{key}.bpmn": xml}
