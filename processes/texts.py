"""Messages for people that the web layer can translate: English text that keeps its template.

Operations raise domain errors in English (the CLI, the logs and the API read them so). A message
written as `Text("Enter at most %(n)s characters.", n=40)` is still that English string, but it
also keeps its template and parameters: `pybabel extract -k Text` collects the template into the
catalogue, and a page renders the message through the translator the web layer installed (in
Jinja through `__html__`), so the operations never import Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Translator = Callable[[str, Mapping[str, Any]], str]
_translator: list[Translator] = []


class Text(str):
    """An English message with its template and parameters, translatable later."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Text:
        text = super().__new__(cls, template % params if params else template)
        text.template, text.params = template, params
        return text

    def translated(self) -> str:
        """In the reader's language when a translator is installed (and can work now), else English.

        A parameter that is itself a Text (a part of the sentence the operation worded, like "the
        system") is translated too; any other parameter (names, ids, an engine's message) stays as it is."""
        for translate in _translator:
            try:
                return translate(self.template, {key: translated(value) for key, value in self.params.items()})
            except RuntimeError:  # outside a request: nobody to translate for
                break
        return str(self)

    def __html__(self) -> str:
        return escape(self.translated())


_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def escape(text: str) -> str:
    """As Jinja escapes a plain string (markupsafe), so a message reads the same in the page's HTML
    whether an operation wrote it as a Text or not."""
    return text.translate(_HTML)


class _Joined(Text):
    """Texts joined by a separator (a list of field errors): each part in the reader's language."""

    parts: list[str]
    separator: str

    def __new__(cls, separator: str, parts: Sequence[str]) -> _Joined:
        text = str.__new__(cls, separator.join(parts))
        text.template, text.params = str(text), {}
        text.separator, text.parts = separator, list(parts)
        return text

    def translated(self) -> str:
        return self.separator.join(str(translated(part)) for part in self.parts)


def joined(separator: str, parts: Sequence[str]) -> Text:
    """`separator.join(parts)` that translates each part that is a Text (for a list inside a sentence)."""
    return _Joined(separator, parts)


def translated(message: Any) -> Any:
    """`message` in the reader's language if it is a Text; anything else unchanged."""
    return message.translated() if isinstance(message, Text) else message


def install_translator(translate: Translator) -> None:
    """Called by the web layer once: how a template and its parameters become the reader's text."""
    _translator[:] = [translate]
