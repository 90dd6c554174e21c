"""Save and restore a running case without its spec.

The spec is the same for every case of a version and is parsed once (see ProcessBundle), so
the stored state holds only the (compacted) task tree and the data.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .bundle import ProcessBundle
from .timers import SERIALIZER_CONFIG

_REGISTRY = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, **SERIALIZER_CONFIG})
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
_CONVERTER = BpmnWorkflowConverter(BpmnWorkflow, _REGISTRY)


def dump_state(workflow: BpmnWorkflow) -> dict[str, Any]:
    """A JSON-ready dict of the workflow, without its spec."""
    _REGISTRY._encoder_mode = True
    try:
        # The base converter: the workflow converter would also convert the whole spec, only to drop it.
        dct = WorkflowConverter.to_dict(_CONVERTER, workflow)
        dct["subprocesses"] = _CONVERTER.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = _REGISTRY.convert(workflow.bpmn_events)
    finally:
        _REGISTRY._encoder_mode = False
    dct[_SERIALIZER.VERSION_KEY] = VERSION
    # Round-trip through JSON so what we hand out is exactly what the database will give back.
    return json.loads(json.dumps(dct, cls=_SERIALIZER._encoder_cls))


def load_state(bundle: ProcessBundle, state: dict[str, Any]) -> BpmnWorkflow:
    """Rebuild the workflow from `state` against the bundle's cached spec."""
    # The converter pops top-level keys and builds new objects for the rest: a shallow copy is enough.
    dct = dict(state)
    dct.pop(_SERIALIZER.VERSION_KEY, None)
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, deserializing=True)
    workflow.tasks = _CONVERTER.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks[UUID(dct["root"])]
    _CONVERTER.set_default_attributes(workflow, dct)
    _CONVERTER.subprocesses_from_dict(dct.get("subprocesses", {}), workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.pop("bpmn_events", []))
    return workflow
