"""Messages for people that the web layer can translate: English text that keeps its template.

Operations raise domain errors in English (the CLI, the logs and the API read them so). A message
written as `Text("Enter at most %(n)s characters.", n=40)` is still that English string, but it
also keeps its template and parameters: `pybabel extract -k Text` collects the template into the
catalogue, and a page renders the message through the translator the web layer installed (in
Jinja through `__html__`), so the operations never import Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
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
        """In the reader's language when a translator is installed (and can work now), else English."""
        for translate in _translator:
            try:
                return translate(self.template, self.params)
            except RuntimeError:  # outside a request: nobody to translate for
                break
        return str(self)

    def __html__(self) -> str:
        return escape(self.translated())


def translated(message: Any) -> Any:
    """`message` in the reader's language if it is a Text; anything else unchanged."""
    return message.translated() if isinstance(message, Text) else message


def install_translator(translate: Translator) -> None:
    """Called by the web layer once: how a template and its parameters become the reader's text."""
    _translator[:] = [translate]
