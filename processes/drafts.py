"""Drafts: analysts edit a process's files here; an administrator deploys them as a new version.

Every write is checked before anything is stored: file names, sizes, well-formed XML without
DOCTYPE (so no entity is ever expanded or fetched) and form files that are JSON objects. A
draft may still have process problems (a missing form, a typo in a condition): those are
reported on every save and block deployment, not saving.
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import XmlRejected, file_kind, parse_xml, validate

from . import events
from .authz import require
from .db import utcnow
from .draft_templates import new_bpmn, new_dmn, new_form
from .errors import Conflict, InvalidFormData, NotFound
from .files import decode_process_file
from .models import ProcessDraft, ProcessVersion, User
from .services import SERVICE_NAMES
from .texts import Text

MAX_DRAFT_FILE_BYTES = 1024 * 1024
MAX_DRAFT_FILES = 50
KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
FILE_NAME = re.compile(r"(forms/)?[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}\.(bpmn|dmn|form)")


def kind_of(name: str) -> str | None:
    """'bpmn', 'dmn' or 'form' by the file's extension."""
    return file_kind(name)


def require_modeler(actor: User | None) -> None:
    require(actor is None or actor.has_role("analyst") or actor.has_role("admin"),
            Text("only analysts and administrators edit processes"))


@dataclass
class ProcessRow:
    """A process as the modeler lists it: its draft (if any) and its versions."""

    key: str
    name: str
    draft: ProcessDraft | None
    versions: list[ProcessVersion]

    @property
    def current(self) -> ProcessVersion | None:
        deployed = [v for v in self.versions if v.status == "deployed"]
        return deployed[-1] if deployed else None


def list_processes(session: Session, actor: User | None) -> list[ProcessRow]:
    require_modeler(actor)
    rows: dict[str, ProcessRow] = {}
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.key, ProcessVersion.version)):
        row = rows.setdefault(version.key, ProcessRow(version.key, version.name, None, []))
        row.versions.append(version)
        row.name = version.name
    for draft in session.scalars(select(ProcessDraft)):
        row = rows.setdefault(draft.key, ProcessRow(draft.key, draft.name, None, []))
        row.draft = draft
    return sorted(rows.values(), key=lambda r: r.key)


def get_draft(session: Session, actor: User | None, key: str) -> ProcessDraft:
    require_modeler(actor)
    draft = session.scalars(select(ProcessDraft).where(ProcessDraft.key == key)).first()
    if draft is None:
        raise NotFound(Text("no draft of process '%(key)s'", key=key))
    return draft


def _touch(draft: ProcessDraft, actor: User | None, now: datetime) -> None:
    draft.updated_at = now
    draft.updated_by_id = actor.id if actor is not None else None


def create_draft(session: Session, actor: User | None, key: str, name: str, *,
                 now: datetime | None = None) -> ProcessDraft:
    """A new process from scratch: a runnable skeleton with one CSU task."""
    require_modeler(actor)
    now = now or utcnow()
    key, name = key.strip(), name.strip() or key.strip()
    if not KEY.fullmatch(key):
        raise InvalidFormData({"key": Text("letters, digits and '_' (at most 100), not starting with a digit")})
    taken = session.scalars(select(ProcessDraft.id).where(ProcessDraft.key == key)).first() or \
        session.scalars(select(ProcessVersion.id).where(ProcessVersion.key == key)).first()
    if taken:
        raise InvalidFormData({"key": Text("a process '%(key)s' exists already; open it instead", key=key)})
    draft = ProcessDraft(key=key, name=name, files={f"{key}.bpmn": new_bpmn(key, name)}, scenarios=[],
                         created_at=now)
    _touch(draft, actor, now)
    session.add(draft)
    session.flush()
    events.record(session, "draft_created", at=now, actor=actor, key=key)
    return draft


def open_draft(session: Session, actor: User | None, key: str, *, now: datetime | None = None) -> ProcessDraft:
    """The draft of `key`; made from a copy of the newest deployed version when there is none."""
    require_modeler(actor)
    existing = session.scalars(select(ProcessDraft).where(ProcessDraft.key == key)).first()
    if existing is not None:
        return existing
    now = now or utcnow()
    version = session.scalars(select(ProcessVersion).where(ProcessVersion.key == key)
                              .order_by(ProcessVersion.status != "deployed", ProcessVersion.version.desc())).first()
    if version is None:
        raise NotFound(Text("no process '%(key)s'", key=key))
    draft = ProcessDraft(key=key, name=version.name, files={f.name: f.content for f in version.files},
                         scenarios=[], base_version=version.version, created_at=now)
    _touch(draft, actor, now)
    session.add(draft)
    session.flush()
    events.record(session, "draft_created", at=now, actor=actor, key=key, from_version=version.version)
    return draft


def discard_draft(session: Session, actor: User | None, key: str, *, now: datetime | None = None) -> None:
    """Throw the draft away; deployed versions are not touched."""
    draft = get_draft(session, actor, key)
    session.delete(draft)
    session.flush()
    events.record(session, "draft_discarded", at=now or utcnow(), actor=actor, key=key)


def check_file(name: str, content: str) -> None:
    """Refuse what must never be stored: bad names, big files, unsafe or malformed XML, non-JSON forms."""
    if not FILE_NAME.fullmatch(name) or ".." in name:
        raise InvalidFormData({name or "file": Text("file names are letters, digits, '_', '-' and '.', ending in "
                                                    ".bpmn, .dmn or .form (forms may sit in forms/)")})
    if len(content.encode("utf-8")) > MAX_DRAFT_FILE_BYTES:
        raise InvalidFormData({name: Text("the file is larger than %(kb)s KB", kb=MAX_DRAFT_FILE_BYTES // 1024)})
    if file_kind(name) == "form":
        try:
            form = json.loads(content)
        except json.JSONDecodeError as err:
            raise InvalidFormData({name: Text("not a form-js file: invalid JSON (%(msg)s, line %(lineno)s)",
                                              msg=err.msg, lineno=err.lineno)}) from None
        if not isinstance(form, dict):
            raise InvalidFormData({name: Text("not a form-js file: the JSON is not an object")})
        return
    try:
        parse_xml(content)
    except XmlRejected as err:
        problem = Text("%(problem)s (line %(line)s)", problem=str(err), line=err.line) if err.line else str(err)
        raise InvalidFormData({name: problem}) from None


def decode_upload(name: str, raw: bytes) -> str:
    """The text of an uploaded file (processes.files.decode_process_file); refuses big files, files it
    cannot decode and files with NUL before anything else."""
    if len(raw) > MAX_DRAFT_FILE_BYTES:
        raise InvalidFormData({name: Text("the file is larger than %(kb)s KB", kb=MAX_DRAFT_FILE_BYTES // 1024)})
    try:
        return decode_process_file(name, raw)
    except ValueError as err:
        raise InvalidFormData({name: str(err)}) from None


def upload_name(filename: str) -> str:
    """Where an uploaded file goes in the draft: forms under forms/, the rest at the top."""
    base = posixpath.basename(filename.replace("\\", "/"))
    return f"forms/{base}" if file_kind(base) == "form" else base


def save_files(session: Session, actor: User | None, key: str, files: Mapping[str, str], *,
               now: datetime | None = None) -> list[dict[str, Any]]:
    """Store (add or replace) files in the draft, all or none; returns the draft's problems."""
    draft = get_draft(session, actor, key)
    now = now or utcnow()
    for name, content in files.items():
        check_file(name, content)
    merged = {**draft.files, **files}
    if len(merged) > MAX_DRAFT_FILES:
        raise InvalidFormData({"files": Text("a draft holds at most %(n)s files",
                                             n=MAX_DRAFT_FILES)})
    draft.files = merged
    _touch(draft, actor, now)
    session.flush()
    return draft_problems(draft)


def add_file(session: Session, actor: User | None, key: str, kind: str, name: str, *,
             now: datetime | None = None) -> str:
    """A new BPMN, DMN or form file from a template; returns its name in the draft."""
    draft = get_draft(session, actor, key)
    stem = name.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,80}", stem) or kind not in ("bpmn", "dmn", "form"):
        raise InvalidFormData({"name": Text("letters, digits and '_', not starting with a digit")})
    file_name = f"forms/{stem}.form" if kind == "form" else f"{stem}.{kind}"
    if file_name in draft.files:
        raise Conflict(Text("the draft already has %(file_name)s", file_name=file_name))
    content = {"bpmn": lambda: new_bpmn(stem, stem), "dmn": lambda: new_dmn(stem), "form": lambda: new_form(stem)}
    save_files(session, actor, key, {file_name: content[kind]()}, now=now)
    return file_name


def delete_file(session: Session, actor: User | None, key: str, name: str, *, now: datetime | None = None) -> None:
    draft = get_draft(session, actor, key)
    if name not in draft.files:
        raise NotFound(Text("the draft has no file %(name)s", name=name))
    draft.files = {n: c for n, c in draft.files.items() if n != name}
    _touch(draft, actor, now or utcnow())
    session.flush()


def draft_problems(draft: ProcessDraft) -> list[dict[str, Any]]:
    """Every problem of the draft as {file, element_id, message, line}, the way editors mark them."""
    problems = [{"file": p.file, "element_id": p.element_id, "message": p.message, "line": p.line}
                for p in validate(draft.files, services=SERVICE_NAMES)]
    if not problems and not _defines_process(draft):
        first = next((n for n in sorted(draft.files) if file_kind(n) == "bpmn"), "-")
        problems.append({"file": first, "element_id": "", "line": None,
                         "message": f"no executable process has the id '{draft.key}' (the draft's key)"})
    return problems


def _defines_process(draft: ProcessDraft) -> bool:
    for name, content in draft.files.items():
        if file_kind(name) != "bpmn":
            continue
        root = parse_xml(content)
        if any(p.get("id") == draft.key and p.get("isExecutable") == "true" for p in root.iter("{*}process")):
            return True
    return False


def files_zip(files: Mapping[str, str]) -> bytes:
    """The files as a zip archive, with their folders (forms/...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def version_files(session: Session, actor: User | None, key: str, number: int) -> dict[str, str]:
    """The files of deployed version `number` of `key`."""
    require_modeler(actor)
    version = session.scalars(select(ProcessVersion).where(ProcessVersion.key == key,
                                                           ProcessVersion.version == number)).first()
    if version is None:
        raise NotFound(Text("process '%(key)s' has no version %(number)s", key=key, number=number))
    return {f.name: f.content for f in version.files}


def process_xml(draft: ProcessDraft) -> str | None:
    """The BPMN file that defines the draft's process, for drawing it."""
    for name in sorted(draft.files):
        if file_kind(name) == "bpmn" and f'id="{draft.key}"' in draft.files[name]:
            return draft.files[name]
    return None
