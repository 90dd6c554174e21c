"""Read process files (BPMN, DMN, forms) from paths given on the command line."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine import XmlRejected, decode_xml, file_kind

MAX_FILE_BYTES = 5 * 1024 * 1024


def read_process_files(paths: Iterable[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """(files by bundle name, display path by bundle name).

    A directory contributes every .bpmn, .dmn and .form file below it, named relative to it
    (`forms/intake.form`); a file is named by its base name."""
    files: dict[str, str] = {}
    display: dict[str, str] = {}
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and file_kind(p.name))
            entries = [(p.relative_to(path).as_posix(), p) for p in found]
        elif path.is_file():
            entries = [(path.name, path)]
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
        for name, file in entries:
            if file_kind(name) is None:
                raise ValueError(f"{file}: not a .bpmn, .dmn or .form file")
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"{file}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            if name in files:
                raise ValueError(f"{file}: two files named {name}")
            try:
                files[name] = decode_process_file(name, file.read_bytes())
            except ValueError as err:
                raise ValueError(f"{file}: {err}") from None
            display[name] = str(file)
    if not files:
        raise ValueError("no .bpmn, .dmn or .form files found")
    return files, display


def decode_process_file(name: str, raw: bytes) -> str:
    """The text of a process file however it came (CLI, modeler upload): BPMN and DMN decoded by their
    encoding (engine.decode_xml), forms as UTF-8; ValueError when it cannot be, or when it holds a NUL
    (no process file has one, and PostgreSQL cannot store it)."""
    if file_kind(name) in ("bpmn", "dmn"):
        text = decode_xml(raw)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ValueError(f"not UTF-8 text ({err.reason})") from None
    if "\x00" in text:
        raise XmlRejected("the file contains NUL (0x00) characters", text[: text.find("\x00")].count("\n") + 1)
    return text
