"""Save and restore a running case without its spec.

The spec is the same for every case of a version and is parsed once (see ProcessBundle), so
the stored state holds only the (compacted) task tree and the data.

SpiffWorkflow wires some of its specs only when a case first needs them, and its serializer
restores that wiring only along with a serialized spec: a loop or multi-instance task connects
its child's completion to itself when it creates the first child; an event sub-process is
connected to the process end when its start event first fires. A freshly parsed spec has
neither, so a restored case would never finish the loop or the event sub-process. `wire_specs`
makes that wiring up front, the same for every case (see docs/engine.md).
"""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .bundle import ProcessBundle
from .timers import SERIALIZER_CONFIG

_WIRING = threading.Lock()
_REGISTRY = BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, **SERIALIZER_CONFIG})
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
_CONVERTER = BpmnWorkflowConverter(BpmnWorkflow, _REGISTRY)


def wire_specs(bundle: ProcessBundle) -> None:
    """Connect what SpiffWorkflow connects at run time (idempotent, cheap: a pass over the task specs).

    Under a lock: a bundle is shared by the threads of a worker, and a connection made twice would
    merge a loop's child twice."""
    with _WIRING:
        for spec in (bundle.spec, *bundle.subprocess_specs.values()):
            _wire(spec)


def _wire(spec: BpmnProcessSpec) -> None:
    for task_spec in list(spec.task_specs.values()):
        if isinstance(task_spec, LoopTask):
            child = spec.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)
    start = spec.start
    for name in getattr(start, "trigger_specs", []):
        event_subprocess = spec.task_specs.get(name)
        if event_subprocess is None or start in event_subprocess.inputs:
            continue
        # What BpmnStartTask.trigger_wf does, except adding the event sub-process to the start's
        # outputs: on a spec shared by every case that would start it in each new case.
        event_subprocess._connect_notify(start)
        event_subprocess.connect(spec.end)


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
    wire_specs(bundle)
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, deserializing=True)
    workflow.tasks = _CONVERTER.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks[UUID(dct["root"])]
    _CONVERTER.set_default_attributes(workflow, dct)
    _CONVERTER.subprocesses_from_dict(dct.get("subprocesses", {}), workflow)
    workflow.bpmn_events = _REGISTRY.restore(dct.pop("bpmn_events", []))
    return workflow
