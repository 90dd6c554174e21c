"""Process texts on pages in the reader's language: task and process names, option labels (categories,
channels), read from the deployed BPMN and forms (processes/translations.py)."""

from __future__ import annotations

from typing import Any

from flask import g

from processes.errors import NotFound
from processes.language import reading_language
from processes.routines import citizen_version
from processes.translations import ProcessTexts, current_texts, version_texts

from .case_wording import humanize
from .session import db_session


def texts(process_key: str | None) -> ProcessTexts:
    """The texts of the process's current version, read once per request; without a key, those of the
    process that takes citizens' requests (whose forms name the categories and channels)."""
    cache: dict[str | None, ProcessTexts] = g.setdefault("process_texts", {})
    if process_key not in cache:
        session = db_session()
        if process_key is None:
            try:
                cache[None] = version_texts(citizen_version(session))
            except NotFound:
                cache[None] = ProcessTexts()
        else:
            cache[process_key] = current_texts(session, process_key)
    return cache[process_key]


def task_name(task: Any) -> str:
    """A task's name in the reader's language (anything with process_key, element_id and name)."""
    return texts(getattr(task, "process_key", None)).name(
        task.element_id, task.name, reading_language())


def element_name(process_key: str | None, element_id: str | None, stored: str) -> str:
    return texts(process_key).name(element_id, stored, reading_language())


def option_label(key: str, value: Any, process_key: str | None = None) -> str:
    """The label of a form option (a category, a channel) in the reader's language; '' for no value."""
    if value is None or value == "":
        return ""
    label = texts(process_key).option(key, value, reading_language())
    return label if label is not None else humanize(value)


def category_label(value: Any, process_key: str | None = None) -> str:
    """A case's category (the option of its routine's category_field) in the reader's language."""
    return option_label(texts(process_key).category_field or "", value, process_key)
