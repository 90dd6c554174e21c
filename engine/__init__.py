"""The only package that imports SpiffWorkflow: parse, validate and run processes.

Plain values in and out (see engine.types); no Flask, no SQLAlchemy.
"""

from .bundle import ProcessBundle, content_hash, file_kind, load_bundle, load_bundles, validate
from .events import start_messages
from .migration import MigrationPlan, TaskMove, migrate_state, plan_migration
from .routine import (
    FIELD_PROPERTIES,
    ROLE_CITIZEN_REPLY,
    ROLE_FOLLOW_UP,
    ROLE_INTAKE,
    default_prefix,
    evaluate_expression,
    is_true,
    split_groups,
)
from .runner import Engine, Service, ServiceCall
from .sandbox_limits import data_problem
from .types import (
    EngineError,
    InvalidProcess,
    NotWaiting,
    PendingTimer,
    Problem,
    ReadyTask,
    ScriptError,
    ServiceInterrupted,
    Snapshot,
    StepRecord,
    UnknownTask,
    Waiting,
)
from .xml import MAX_XML_BYTES, XmlRejected, decode_xml, parse_xml

__all__ = [
    "ROLE_CITIZEN_REPLY",
    "ROLE_FOLLOW_UP",
    "FIELD_PROPERTIES",
    "ROLE_INTAKE",
    "MAX_XML_BYTES",
    "Engine",
    "EngineError",
    "InvalidProcess",
    "MigrationPlan",
    "NotWaiting",
    "PendingTimer",
    "Problem",
    "ProcessBundle",
    "ReadyTask",
    "ScriptError",
    "Service",
    "ServiceCall",
    "ServiceInterrupted",
    "Snapshot",
    "StepRecord",
    "TaskMove",
    "UnknownTask",
    "Waiting",
    "XmlRejected",
    "content_hash",
    "data_problem",
    "decode_xml",
    "default_prefix",
    "evaluate_expression",
    "file_kind",
    "is_true",
    "load_bundle",
    "load_bundles",
    "migrate_state",
    "parse_xml",
    "plan_migration",
    "split_groups",
    "start_messages",
    "validate",
]
