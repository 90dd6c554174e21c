"""The language the current reader reads, for operations that word things for people (office titles,
task names, option labels).

The web layer installs where the language comes from (the request's locale) once; nothing below
it imports Flask. Outside a request (CLI, worker) the reader reads the default language, English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token

from .users import LOCALES

DEFAULT_LANGUAGE = "en"  # the language of `title`, `name`, `label`: the texts without a suffix
TRANSLATED = tuple(language for language in LOCALES if language != DEFAULT_LANGUAGE)  # need a translation

_chosen: ContextVar[str | None] = ContextVar("onestop_language", default=None)
_source: list[Callable[[], str | None]] = []


def install_language_source(source: Callable[[], str | None]) -> None:
    """Called by the web layer once: a function giving the reader's language, None when there is no reader."""
    _source[:] = [source]


def use_language(language: str) -> Token[str | None]:
    """Read in `language` until `reset_language` (for code outside a request, and tests)."""
    return _chosen.set(language)


def reset_language(token: Token[str | None]) -> None:
    _chosen.reset(token)


def reading_language() -> str:
    chosen = _chosen.get()
    if chosen is None and _source:
        chosen = _source[0]()
    return chosen or DEFAULT_LANGUAGE


def title_in(title: str, titles: Mapping[str, str] | None, language: str | None = None) -> str:
    """A group's title in the reader's language: its translation in `titles`, else the default `title`."""
    return (titles or {}).get(language or reading_language()) or title
