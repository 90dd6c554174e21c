"""BPMN message correlation: which case a message belongs to, from the values its process names.

A message may carry correlation properties (bpmn:correlationProperty, one retrieval expression or
messagePath per message, grouped by bpmn:correlationKey). SpiffWorkflow computes a message's values
from its payload as {key: {property: value}} and lets a case catch it when, for a key of the message,
the values equal the case's `workflow.correlations` (set by the messages the case caught or threw
before, or by a spiffworkflow:processVariableCorrelation on the catch event).

A case that has exchanged no correlated message yet has no values in SpiffWorkflow (it would catch
any). So that a message can still find its case from the payload alone, OneStop reads the waiting
case's values from the case's data with the same retrieval expressions: a message retrieving
`application_id` belongs to the case whose data holds that `application_id`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.base import EventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import CorrelationProperty

# (correlation key, its property values as canonical JSON), sorted: comparable, hashable, storable.
Correlations = tuple[tuple[str, str], ...]


def properties_of(definition: EventDefinition) -> list[CorrelationProperty]:
    """The correlation properties a message's payload is read with (none for other events)."""
    if not isinstance(definition, MessageEventDefinition):
        return []
    return list(definition.correlation_properties or [])


def values_in(environment: Any, properties: Iterable[CorrelationProperty],
              context: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{key: {property: value}} read from `context` in the sandbox; a key with a property whose
    expression fails there (the field is missing) is left out, as it cannot correlate anything."""
    values: dict[str, dict[str, Any]] = {}
    failed: set[str] = set()
    for prop in properties:
        try:
            value = environment.evaluate(prop.retrieval_expression, dict(context))
        except Exception:  # noqa: BLE001 - any failure of an analyst's expression means "no value here"
            failed.update(prop.correlation_keys)
            continue
        for key in prop.correlation_keys:
            values.setdefault(key, {})[prop.name] = value
    return {key: props for key, props in values.items() if key not in failed}


def encode(values: Mapping[str, Mapping[str, Any]]) -> Correlations:
    """The canonical form of {key: {property: value}}: what the case_waits index stores and compares."""
    return tuple(sorted((str(key), json.dumps(dict(props), sort_keys=True, default=str, separators=(",", ":")))
                        for key, props in values.items()))


def waiting_values(environment: Any, definition: EventDefinition, known: Mapping[str, Any],
                   data: Mapping[str, Any]) -> Correlations:
    """The values a case waiting with `definition` correlates by: those SpiffWorkflow already holds
    for the case (`known`, its workflow.correlations), else those read from the case's `data`."""
    properties = properties_of(definition)
    if not properties:
        return ()
    values = values_in(environment, properties, data)
    keys = {key for prop in properties for key in prop.correlation_keys}
    values.update({key: known[key] for key in keys if key in known})
    return encode(values)


def matches(carried: Correlations, expected: Correlations) -> bool:
    """SpiffWorkflow's rule: a message belongs to a case when any of its keys has the case's values
    (`expected` may hold a key more than once: several catchers, each with values of its own)."""
    return bool(set(carried) & set(expected))


def describe(values: Correlations) -> str:
    """`application_id = "A-17"`: the values as a person reads them in an error message."""
    parts = []
    for _, props in values:
        parts += [f"{name} = {json.dumps(value, default=str)}" for name, value in json.loads(props).items()]
    return ", ".join(sorted(set(parts))) or "none"
