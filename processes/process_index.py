"""The deployed processes and their versions, as the REST API lists them, and the files it accepts."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from engine import file_kind

from .errors import InvalidFormData
from .models import ProcessVersion, User
from .texts import Text


def list_process_versions(session: Session, actor: User | None) -> list[ProcessVersion]:
    """Every version of every process, by key and version number; any signed-in `actor` may list them."""
    return list(session.scalars(select(ProcessVersion).options(selectinload(ProcessVersion.files))
                                .order_by(ProcessVersion.key, ProcessVersion.version)))


def check_upload(files: object) -> dict[str, str]:
    """The files of a deployment sent by a client: a non-empty mapping of .bpmn/.dmn/.form names to text."""
    if not isinstance(files, Mapping) or not files or not all(
            isinstance(name, str) and isinstance(text, str) for name, text in files.items()):
        raise InvalidFormData({"files": Text("files must be a non-empty object of file name to file content")})
    unknown = sorted(name for name in files if file_kind(name) is None)
    if unknown:
        raise InvalidFormData({"files": Text("not a .bpmn, .dmn or .form file: %(names)s", names=', '.join(unknown))})
    return dict(files)
