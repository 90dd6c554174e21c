"""Starting points for new process files: a runnable BPMN skeleton, a decision table, an empty form."""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

BPMN_NAMESPACES = " ".join([
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"',
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"',
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"',
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
])
DMN_NAMESPACES = " ".join([
    'xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"',
    'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"',
    'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/"',
])


def new_bpmn(key: str, name: str) -> str:
    """Start -> one CSU task -> end, with its diagram, so the modeler opens it laid out."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {BPMN_NAMESPACES} id="definitions_{key}"
    targetNamespace="http://onestop.example/bpmn">
  <bpmn:collaboration id="collaboration_{key}">
    <bpmn:participant id="participant_{key}" name={quoteattr(name)} processRef="{key}" />
  </bpmn:collaboration>
  <bpmn:process id="{key}" name={quoteattr(name)} isExecutable="true">
    <bpmn:laneSet id="laneset_{key}">
      <bpmn:lane id="lane_csu" name="CSU">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>first_step</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="Start">
      <bpmn:outgoing>flow_start</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="first_step" name="First step">
      <bpmn:incoming>flow_start</bpmn:incoming>
      <bpmn:outgoing>flow_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="Done">
      <bpmn:incoming>flow_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="first_step" />
    <bpmn:sequenceFlow id="flow_end" sourceRef="first_step" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_{key}">
    <bpmndi:BPMNPlane id="plane_{key}" bpmnElement="collaboration_{key}">
      <bpmndi:BPMNShape id="participant_{key}_di" bpmnElement="participant_{key}" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="600" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_csu_di" bpmnElement="lane_csu" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="570" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="212" y="142" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="first_step_di" bpmnElement="first_step">
        <dc:Bounds x="340" y="120" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="552" y="142" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="flow_start_di" bpmnElement="flow_start">
        <di:waypoint x="248" y="160" />
        <di:waypoint x="340" y="160" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="flow_end_di" bpmnElement="flow_end">
        <di:waypoint x="440" y="160" />
        <di:waypoint x="552" y="160" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def new_dmn(decision_id: str) -> str:
    """One decision table with one input and one output; FIRST hit policy, Python expressions."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions {DMN_NAMESPACES} id="definitions_{decision_id}"
    name="{decision_id}" namespace="http://onestop.example/dmn">
  <decision id="{decision_id}" name="{decision_id}">
    <decisionTable id="table_{decision_id}" hitPolicy="FIRST">
      <input id="input_{decision_id}" label="Input">
        <inputExpression id="input_expression_{decision_id}" typeRef="string"><text>category</text></inputExpression>
      </input>
      <output id="output_{decision_id}" label="Output" name="result" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="diagram_{decision_id}">
      <dmndi:DMNShape id="shape_{decision_id}" dmnElementRef="{decision_id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


def new_form(form_id: str) -> str:
    return json.dumps({"type": "default", "schemaVersion": 16, "id": f"Form_{form_id}", "components": []},
                      indent=2) + "\n"
