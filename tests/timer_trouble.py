"""A process whose timer step fails on purpose, for the tests of what a failed timer does."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from processes.cases import start_case
from processes.models import Case, User

LONG_AGO = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)  # a Monday, years before any test run

# A process whose timer path queues a mail and then divides by the case's `parts`: with parts = 0
# the step fails after the mail was written, which must not survive either.
TROUBLE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="definitions_trouble" targetNamespace="http://x">
  <bpmn:process id="timer_trouble" name="Timer trouble" isExecutable="true">
    <bpmn:extensionElements>
      <spiffworkflow:properties>
        <spiffworkflow:property name="citizen_email_field" value="citizen_email" />
      </spiffworkflow:properties>
    </bpmn:extensionElements>
    <bpmn:dataObject id="citizen_email" name="citizen_email" />
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">due</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:serviceTask id="tell" name="Tell the citizen">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="notify_citizen" resultVariable="notification">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="template" type="str" value="'answer'" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:scriptTask id="divide" name="Divide"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>share = 100 / parts</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="tell" />
    <bpmn:sequenceFlow id="f3" sourceRef="tell" targetRef="divide" />
    <bpmn:sequenceFlow id="f4" sourceRef="divide" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def trouble_case(session: Session, people: dict[str, User], due: datetime, parts: int) -> Case:
    return start_case(session, people["admin"], "timer_trouble",
                      {"due": due.isoformat(), "parts": parts, "citizen_email": "alva@example.org"}, now=LONG_AGO)
