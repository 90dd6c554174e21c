"""Releasing drafts: review the diff, deploy a new immutable version, retire old ones.

New cases start on the newest deployed version; running cases stay on theirs (with its forms and
decision tables) until an administrator migrates them (processes.case_migration).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import events
from .admin import require_admin
from .db import utcnow
from .deployments import deploy_version
from .drafts import draft_problems, get_draft
from .errors import Conflict, NotFound, ProcessNotDeployable
from .models import Case, ProcessDraft, ProcessVersion, User
from .texts import Text
from .version_diff import Change, diff_files


@dataclass
class Review:
    """What deploying the draft would change, and what stops it."""

    draft: ProcessDraft
    current: ProcessVersion | None
    changes: list[Change]
    problems: list[str]
    next_number: int

    @property
    def deployable(self) -> bool:
        return not self.problems and bool(self.changes)


def find_version(session: Session, key: str, number: int) -> ProcessVersion:
    version = session.scalars(select(ProcessVersion).where(ProcessVersion.key == key,
                                                           ProcessVersion.version == number)).first()
    if version is None:
        raise NotFound(Text("process '%(key)s' has no version %(number)s", key=key, number=number))
    return version


def current_deployed(session: Session, key: str) -> ProcessVersion | None:
    return session.scalars(select(ProcessVersion).where(ProcessVersion.key == key,
                                                        ProcessVersion.status == "deployed")
                           .order_by(ProcessVersion.version.desc()).limit(1)).first()


def files_of(version: ProcessVersion | None) -> dict[str, str]:
    return {f.name: f.content for f in version.files} if version is not None else {}


def review_draft(session: Session, actor: User | None, key: str) -> Review:
    """The draft against the version new cases start on now."""
    draft = get_draft(session, actor, key)
    current = current_deployed(session, key)
    problems = [f"{p['file']}:{p['element_id'] or '-'}: {p['message']}" for p in draft_problems(draft)]
    newest = session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.key == key)) or 0
    return Review(draft, current, diff_files(files_of(current), draft.files), problems, newest + 1)


def diff_versions(session: Session, key: str, old: int, new: int) -> list[Change]:
    """The changes from version `old` to version `new` of `key`."""
    return diff_files(files_of(find_version(session, key, old)), files_of(find_version(session, key, new)))


def deploy_draft(session: Session, actor: User | None, key: str, *, now: datetime | None = None) -> ProcessVersion:
    """Deploy the draft as the next version (administrators); refused while it has problems."""
    require_admin(actor)
    now = now or utcnow()
    review = review_draft(session, actor, key)
    if review.problems:
        raise ProcessNotDeployable(review.problems)
    if not review.changes:
        raise Conflict(Text("the draft is identical to version %(version)s",
                            version=review.current.version if review.current else '-'))
    results = deploy_version(session, actor, review.draft.files, now=now)
    version = next((v for v, _created in results if v.key == key), None)
    if version is None:
        raise NotFound(Text("the draft does not define process '%(key)s'", key=key))
    events.record(session, "draft_deployed", at=now, actor=actor, key=key, version=version.version,
                  from_version=review.current.version if review.current else None,
                  changes=[str(c) for c in review.changes][:200])
    review.draft.base_version = version.version
    session.flush()
    return version


def retire_version(session: Session, actor: User | None, key: str, number: int, *,
                   now: datetime | None = None) -> ProcessVersion:
    """No new cases start on a retired version; its running cases go on as before."""
    require_admin(actor)
    now = now or utcnow()
    version = find_version(session, key, number)
    if version.status != "deployed":
        raise Conflict(Text("version %(number)s of %(key)s is %(status)s",
                            number=number, key=key, status=version.status))
    version.status = "retired"
    session.flush()
    events.record(session, "version_retired", at=now, actor=actor, key=key, version=number)
    return version


@dataclass
class VersionRow:
    version: ProcessVersion
    open_cases: int


def version_overview(session: Session, actor: User | None) -> dict[str, list[VersionRow]]:
    """Every version of every process with its number of open cases, by process key."""
    require_admin(actor)
    rows = session.execute(select(Case.version_id, func.count()).where(Case.status == "open")
                           .group_by(Case.version_id))
    counts: dict[int, int] = {version_id: count for version_id, count in rows}
    overview: dict[str, list[VersionRow]] = {}
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.key, ProcessVersion.version)):
        overview.setdefault(version.key, []).append(VersionRow(version, counts.get(version.id, 0)))
    return overview
