"""Flask extensions, bound to the app in create_app with init_app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context, request
from flask_babel import Babel, get_locale, gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf import CSRFProtect

from processes.users import LOCALES

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str | None:
    """The user's chosen language, else the browser's best match."""
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    return request.accept_languages.best_match(LOCALES)


def reader_language() -> str | None:
    """The language of the page being rendered; None outside a request (processes.language's default)."""
    if not has_request_context():
        return None
    locale = get_locale()
    return locale.language if locale is not None else None


def translate_text(template: str, params: Mapping[str, Any]) -> str:
    """A processes.texts.Text in the reader's language (the catalogue keeps its English template)."""
    if not has_request_context():
        raise RuntimeError("no reader")
    return gettext(template, **params)
