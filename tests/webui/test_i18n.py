"""Swedish and English pages: the user's choice, else the browser's; and a complete Swedish catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.errors import InvalidFormData
from processes.models import User
from processes.unit import Database
from processes.users import set_locale
from webui.app import create_app
from webui.extensions import babel

from .conftest import csrf_token, login

ROOT = Path(__file__).resolve().parents[2]
SV_PO = ROOT / "webui" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_pgettext": ((1, "c"), 2), "pgettext": ((1, "c"), 2), "Text": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def swedish_catalog() -> Catalog:
    with SV_PO.open("rb") as source:
        return read_po(source, locale="sv")


@pytest.fixture
def app(db: Database, deployed: None, tmp_path: Path) -> Iterator[Flask]:
    """The app with the Swedish catalog compiled from the .po in the tree (not a stale .mo)."""
    target = tmp_path / "sv" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, swedish_catalog())
    app = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False,
                      "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    with app.app_context():
        cache = babel.domain_instance.get_translations_cache(None)  # loaded catalogs are cached per process
    cache.clear()
    yield app
    cache.clear()
    app.extensions["onestop.db"].dispose()


def test_user_with_swedish_locale_sees_the_swedish_inbox(client: FlaskClient, session: Session,
                                                         people: dict[str, User]) -> None:
    set_locale(session, people["officer"], "sv")
    session.commit()
    login(client, "officer")
    page = client.get("/inbox").get_data(as_text=True)
    assert "<h1>Inkorg</h1>" in page
    assert '<html lang="sv">' in page
    assert "Logga ut" in page


def test_login_page_follows_the_browser_language(client: FlaskClient) -> None:
    swedish = client.get("/login", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "Logga in i OneStop" in swedish and "Användarnamn" in swedish
    english = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert "Log in to OneStop" in english


def test_the_users_choice_wins_over_the_browser(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "officer")
    page = client.get("/inbox", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "<h1>Inbox</h1>" in page


def test_language_switch_in_the_header_changes_it_and_returns_to_the_page(
        client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "officer")
    page = client.get("/cases").get_data(as_text=True)
    assert re.search(r'<button type="submit" class="link" lang="sv">Svenska</button>', page)
    token = csrf_token(client, "/cases")
    response = client.post("/profile", data={"locale": "sv", "next": "/cases", "csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/cases")
    page = client.get("/cases").get_data(as_text=True)
    assert "<h1>Ärenden</h1>" in page and "Språket är nu svenska." in page
    assert 'lang="en">English</button>' in page


def test_profile_page_saves_the_language(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    login(client, "officer")
    assert "Language of the pages" in client.get("/profile").get_data(as_text=True)
    response = client.post("/profile", data={"locale": "sv", "csrf_token": csrf_token(client, "/profile")})
    assert response.headers["Location"] == "/profile"
    session.expire_all()
    assert session.get(User, people["officer"].id).locale == "sv"  # type: ignore[union-attr]
    assert "Din profil" in client.get("/profile").get_data(as_text=True)


def test_switch_never_redirects_to_another_site(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, "officer")
    response = client.post("/profile", data={"locale": "en", "next": "https://evil.example/",
                                             "csrf_token": csrf_token(client, "/profile")})
    assert response.headers["Location"] == "/profile"


def test_unknown_language_is_refused(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    login(client, "officer")
    response = client.post("/profile", data={"locale": "de", "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 422
    with pytest.raises(InvalidFormData):
        set_locale(session, people["officer"], "klingon")


def test_every_text_of_the_templates_and_views_has_a_swedish_translation() -> None:
    """After changing a text: `make messages`, translate the new entries in sv/messages.po (processes mark
    theirs with processes.texts.Text)."""
    method_map = [("webui/**.py", "python"), ("processes/**.py", "python"), ("webui/templates/**.html", "jinja2")]
    wanted = {(context, message if isinstance(message, str) else message[0])
              for _file, _line, message, _comments, context in
              extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS)}
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in swedish_catalog()
                  if m.id and all(m.string if isinstance(m.string, tuple) else [m.string]) and not m.fuzzy}
    assert sorted(wanted - translated, key=str) == []


def test_swedish_texts_keep_every_placeholder() -> None:
    for message in swedish_catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if text:
                assert set(PLACEHOLDER.findall(text)) == wanted, (message.id, text)


# The editors' dictionary (frontend/translate.js): English template -> Swedish, {name} filled in by the editor.
EDITOR_SV = ROOT / "frontend" / "translations" / "sv.json"
EDITOR_PLACEHOLDER = re.compile(r"\{(\w+)\}")
TRANSLATE_CALL = re.compile(r"\btranslate\(\s*(['\"])((?:(?!\1)[^\\]|\\.)*)\1")


def test_the_editor_dictionary_keeps_every_placeholder_and_leaves_nothing_empty() -> None:
    dictionary = json.loads(EDITOR_SV.read_text(encoding="utf-8"))
    assert dictionary, "frontend/translations/sv.json is empty"
    for english, swedish in dictionary.items():
        assert swedish.strip(), english
        assert set(EDITOR_PLACEHOLDER.findall(swedish)) == set(EDITOR_PLACEHOLDER.findall(english)), (english, swedish)


def test_every_text_the_frontend_translates_has_swedish() -> None:
    """The texts OneStop's own scripts pass to `translate('...')` literally (error messages, the DMN tabs);
    the rest, and bpmn-io's, are checked in the browser (tests/browser/test_swedish_walk.py)."""
    dictionary = json.loads(EDITOR_SV.read_text(encoding="utf-8"))
    asked = {match[1] for script in (ROOT / "frontend").glob("*.js")
             for match in TRANSLATE_CALL.findall(script.read_text(encoding="utf-8"))}
    assert asked, "no translate('...') call found: has the pattern changed?"
    assert sorted(asked - set(dictionary)) == []
