"""The only package that imports SpiffWorkflow: parse, validate and run processes.

Plain values in and out (see engine.types); no Flask, no SQLAlchemy.
"""

from .bundle import ProcessBundle, content_hash, file_kind, load_bundle, load_bundles, validate
from .runner import Engine, Service, ServiceCall
from .types import (
    EngineError,
    InvalidProcess,
    PendingTimer,
    Problem,
    ReadyTask,
    ScriptError,
    Snapshot,
    StepRecord,
    UnknownTask,
)

__all__ = [
    "Engine",
    "EngineError",
    "InvalidProcess",
    "PendingTimer",
    "Problem",
    "ProcessBundle",
    "ReadyTask",
    "ScriptError",
    "Service",
    "ServiceCall",
    "Snapshot",
    "StepRecord",
    "UnknownTask",
    "content_hash",
    "file_kind",
    "load_bundle",
    "load_bundles",
    "validate",
]
