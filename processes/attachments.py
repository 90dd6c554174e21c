"""Photos attached to cases: checked by their bytes, stored in the database, shown only to those entitled.

A citizen sees the photos of a case through its tracking token (processes/tracking.py); staff see
them when they may see the case: the CSU, administrators and the members of the case's office.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .authz import group_roles, require
from .errors import NotFound
from .models import Attachment, Case, User
from .texts import Text

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# What the bytes start with decides the type; the client's file name and content type are not trusted.
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


@dataclass(frozen=True)
class Upload:
    """A file as the web layer received it."""

    filename: str
    content: bytes


def image_type(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG or PNG judged by its magic bytes; None for anything else."""
    for signature, content_type, extension in SIGNATURES:
        if content.startswith(signature):
            return content_type, extension
    return None


def photo_problem(upload: Upload) -> str | None:
    """Why `upload` cannot be accepted as a photo, or None when it can."""
    if len(upload.content) > MAX_PHOTO_BYTES:
        return Text("The photo is larger than %(n)s MB.", n=MAX_PHOTO_BYTES // (1024 * 1024))
    if not upload.content or image_type(upload.content) is None:
        return Text("The photo must be a JPEG or PNG image.")
    return None


def clean_filename(name: str, extension: str) -> str:
    """A harmless display name: the last path part, plain characters, the real extension."""
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" ._")
    stem = stem.rsplit(".", 1)[0][:80] or "photo"
    return f"{stem}.{extension}"


def add_photo(session: Session, case: Case, upload: Upload, now: datetime) -> Attachment:
    """Attach a checked photo to `case` (call photo_problem first; a bad one raises ValueError)."""
    kind = image_type(upload.content)
    if kind is None or len(upload.content) > MAX_PHOTO_BYTES:
        raise ValueError("not an acceptable photo")
    attachment = Attachment(case_id=case.id, filename=clean_filename(upload.filename, kind[1]),
                            content_type=kind[0], size=len(upload.content), content=upload.content,
                            created_at=now)
    session.add(attachment)
    session.flush()
    events.record(session, "attachment_added", at=now, case=case, attachment_id=attachment.id,
                  filename=attachment.filename, size=attachment.size)
    return attachment


def case_attachments(session: Session, case_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)))


def attachment_of_case(session: Session, case: Case, attachment_id: int) -> Attachment:
    """The attachment, only if it belongs to `case` (the one whose token the citizen holds)."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound(Text("Page not found."))
    return attachment


def staff_attachment(session: Session, actor: User, attachment_id: int) -> Attachment:
    """An attachment for a member of staff who may see its case."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(Text("attachment %(attachment_id)s not found", attachment_id=attachment_id))
    case = session.get(Case, attachment.case_id)
    allowed = actor.has_role("admin") or actor.has_role("csu_agent") or (
        case is not None and case.office in group_roles(session, actor))
    require(allowed, Text("only the CSU and the case's office see its attachments"))
    return attachment
