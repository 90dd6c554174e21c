"""Deploy process versions: validated, immutable, and deduplicated by content."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import InvalidProcess, file_kind, is_true, load_bundles, validate

from . import events
from .authz import require
from .db import utcnow
from .errors import NotFound, ProcessNotDeployable
from .models import ProcessFile, ProcessVersion, User
from .routines import citizen_channel_clash
from .services import SERVICE_NAMES
from .texts import Text


def check_files(files: Mapping[str, str]) -> list[str]:
    """Every problem in the files as 'file:element: message'; empty when deployable."""
    return [str(p) for p in validate(files, services=SERVICE_NAMES)]


def deploy_version(
    session: Session, actor: User | None, files: Mapping[str, str], *, now: datetime | None = None
) -> list[tuple[ProcessVersion, bool]]:
    """A new immutable version per executable process in `files`, holding the files it runs on
    (engine.bundle); (version, created) pairs. A process whose files are identical to its newest
    version deploys nothing new."""
    require(actor is None or actor.has_role("admin"), Text("only administrators deploy processes"))
    now = now or utcnow()
    problems = check_files(files)
    if problems:
        raise ProcessNotDeployable(problems)
    try:
        bundles = load_bundles(files, services=SERVICE_NAMES)
    except InvalidProcess as err:
        raise ProcessNotDeployable([str(p) for p in err.problems]) from err
    keys = {bundle.key for bundle in bundles}
    for bundle in bundles:
        clash = citizen_channel_clash(session, keys) if is_true(bundle.properties.get("citizen_channel")) else None
        if clash is not None:
            where = next((n for n in sorted(files) if file_kind(n) == "bpmn" and f'"{bundle.key}"' in files[n]), "-")
            raise ProcessNotDeployable([f"{where}:{bundle.key}: citizen_channel: process '{clash}' already takes "
                                        "citizens' requests; only one process may (retire it first, or "
                                        "remove citizen_channel from one of them)"])
    results = []
    for bundle in bundles:
        latest = session.scalars(
            select(ProcessVersion).where(ProcessVersion.key == bundle.key, ProcessVersion.status != "draft")
            .order_by(ProcessVersion.version.desc()).limit(1)
        ).first()
        if latest is not None and latest.content_hash == bundle.content_hash and latest.status == "deployed":
            results.append((latest, False))
            continue
        number = (session.scalar(select(func.max(ProcessVersion.version))
                                 .where(ProcessVersion.key == bundle.key)) or 0) + 1
        version = ProcessVersion(
            key=bundle.key, version=number, name=bundle.name, content_hash=bundle.content_hash, status="deployed",
            created_at=now, deployed_at=now, deployed_by_id=actor.id if actor is not None else None,
        )
        version.files = [ProcessFile(name=name, kind=file_kind(name) or "", content=content)
                         for name, content in sorted(bundle.files.items())]
        session.add(version)
        session.flush()
        events.record(session, "version_deployed", at=now, actor=actor, key=bundle.key, version=number)
        results.append((version, True))
    return results


def list_versions(session: Session, key: str) -> list[ProcessVersion]:
    versions = list(session.scalars(
        select(ProcessVersion).where(ProcessVersion.key == key).order_by(ProcessVersion.version)))
    if not versions:
        raise NotFound(Text("no process '%(key)s'", key=key))
    return versions
