"""The knowledge-base pages (/knowledge): administrators and analysts write, retire and restore articles."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.knowledge import create_article
from processes.models import Article, User
from tests.conftest import create_user

from .conftest import csrf_token, login

NEW = {"title": "När töms mitt kärl?", "body": "Hämtningsdagarna står i avfallskalendern.", "language": "sv",
       "category": "missed_collection", "tags": "sopor, kärl"}


@pytest.fixture
def analyst(session: Session, people: dict[str, User]) -> User:
    user = create_user(session, "analyst", ["analyst"])
    session.commit()
    return user


def article_titled(session: Session, title: str) -> Article:
    session.expire_all()
    return session.scalars(select(Article).where(Article.title == title)).one()


@pytest.mark.parametrize("writer", ["admin", "analyst"])
def test_a_writer_creates_edits_retires_and_restores_an_article(client: FlaskClient, session: Session,
                                                               analyst: User, writer: str) -> None:
    login(client, writer)
    assert "/knowledge" in client.get("/inbox").get_data(as_text=True)  # the link in the navigation
    token = csrf_token(client, "/knowledge/new")

    response = client.post("/knowledge", data={"csrf_token": token, **NEW})
    assert response.status_code == 302
    article = article_titled(session, NEW["title"])
    assert (article.language, article.category, article.updated_by) == ("sv", "missed_collection", writer)
    page = client.get("/knowledge").get_data(as_text=True)
    assert "När töms mitt kärl?" in page and "Missed waste collection" in page

    response = client.post(f"/knowledge/{article.id}", data={"csrf_token": token, **NEW, "title": "Tömning av kärl",
                                                              "language": ""})
    assert response.status_code == 302
    article = article_titled(session, "Tömning av kärl")
    assert article.language is None

    assert client.post(f"/knowledge/{article.id}/retire", data={"csrf_token": token}).status_code == 302
    assert article_titled(session, "Tömning av kärl").retired_at is not None
    page = client.get("/knowledge").get_data(as_text=True)
    current, retired = page.split('id="h-current"')[1].split('id="h-retired"')
    assert "Tömning av kärl" not in current and "Tömning av kärl" in retired
    kb = client.get("/intake/kb?q=avfallskalendern&format=json")
    assert kb.status_code == 403 or kb.get_json()["articles"] == []  # analysts do not take requests

    assert client.post(f"/knowledge/{article.id}/restore", data={"csrf_token": token}).status_code == 302
    assert article_titled(session, "Tömning av kärl").retired_at is None


def test_the_csu_finds_what_was_written_and_no_longer_what_was_retired(client: FlaskClient, session: Session,
                                                                       analyst: User) -> None:
    login(client, "analyst")
    token = csrf_token(client, "/knowledge/new")
    client.post("/knowledge", data={"csrf_token": token, **NEW})
    article = article_titled(session, NEW["title"])
    csu = client.application.test_client()
    login(csu, "csu")

    assert [a["id"] for a in csu.get("/intake/kb?q=avfallskalendern&format=json").get_json()["articles"]] == \
        [article.id]
    client.post(f"/knowledge/{article.id}/retire", data={"csrf_token": token})
    assert csu.get("/intake/kb?q=avfallskalendern&format=json").get_json()["articles"] == []


def test_bad_fields_are_shown_on_the_form_each_at_its_field(client: FlaskClient, session: Session,
                                                            analyst: User) -> None:
    login(client, "analyst")
    response = client.post("/knowledge", data={"csrf_token": csrf_token(client, "/knowledge/new"), "title": "",
                                               "body": "x", "language": "fi", "category": "unicorns"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<span class="field-error" id="e-title">This field is required.</span>' in page
    assert '<span class="field-error" id="e-language">Choose one of the listed options.</span>' in page
    assert '<span class="field-error" id="e-category">Choose one of the listed options.</span>' in page
    assert 'id="e-body"' not in page and ">x</textarea>" in page  # what was typed is kept
    assert session.scalars(select(Article)).all() == []


def test_a_refused_edit_keeps_what_was_typed_and_the_stored_article(client: FlaskClient, session: Session,
                                                                    analyst: User) -> None:
    article = create_article(session, analyst, **NEW)
    session.commit()
    login(client, "analyst")
    token = csrf_token(client, "/knowledge/new")

    response = client.post(f"/knowledge/{article.id}", data={"csrf_token": token, **NEW, "title": "",
                                                              "body": "Ny text"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<span class="field-error" id="e-title">This field is required.</span>' in page
    assert ">Ny text</textarea>" in page
    stored = article_titled(session, NEW["title"])
    assert (stored.id, stored.body) == (article.id, NEW["body"])


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, session: Session, analyst: User) -> None:
    login(client, "analyst")
    response = client.post("/knowledge", data=NEW)

    assert response.status_code == 400
    assert session.scalars(select(Article)).all() == []


@pytest.mark.parametrize("username", ["csu", "officer", "manager"])
def test_readers_may_not_write(client: FlaskClient, session: Session, username: str) -> None:
    article = create_article(session, None, title="Bins", body="Weekly.")
    session.commit()
    login(client, username)

    assert 'href="/knowledge"' not in client.get("/inbox").get_data(as_text=True)
    assert client.get("/knowledge").status_code == 403
    assert client.get(f"/knowledge/{article.id}").status_code == 403
    token = csrf_token(client, "/inbox")
    assert client.post("/knowledge", data={"csrf_token": token, **NEW}).status_code == 403
    assert client.post(f"/knowledge/{article.id}/retire", data={"csrf_token": token}).status_code == 403
    assert article_titled(session, "Bins").retired_at is None


def test_the_list_filters_by_language_category_and_words(client: FlaskClient, session: Session,
                                                         analyst: User) -> None:
    create_article(session, None, **NEW)
    create_article(session, None, title="Broken streetlight", body="Ask for the lamp post number.",
                   language="en", category="streetlight")
    create_article(session, None, title="Opening hours", body="The CSU answers 8-17.")
    session.commit()
    login(client, "analyst")

    def titles(query: str) -> list[str]:
        page = client.get(f"/knowledge?{query}").get_data(as_text=True)
        page = page.split('id="h-current"')[1].split('id="h-retired"')[0]
        return [t for t in ("När töms mitt kärl?", "Broken streetlight", "Opening hours") if t in page]

    assert titles("") == ["När töms mitt kärl?", "Broken streetlight", "Opening hours"]
    assert titles("language=sv") == ["När töms mitt kärl?"]
    assert titles("language=none") == ["Opening hours"]
    assert titles("category=streetlight") == ["Broken streetlight"]
    assert titles("q=lamp") == ["Broken streetlight"]
    assert titles("language=xx&q=%25") == ["När töms mitt kärl?", "Broken streetlight", "Opening hours"]
    assert client.get("/knowledge?category=%00").status_code == 422  # refused before any query


def test_the_pages_are_swedish_for_a_swedish_reader(client: FlaskClient, session: Session, analyst: User) -> None:
    analyst.locale = "sv"
    session.commit()
    login(client, "analyst")
    article = create_article(session, None, **NEW)
    session.commit()

    page = client.get("/knowledge").get_data(as_text=True)
    assert "<h1>Kunskapsbank</h1>" in page and "Avvecklade artiklar" in page and "Missad sophämtning" in page
    form = client.get(f"/knowledge/{article.id}").get_data(as_text=True)
    assert "Redigera artikel" in form and "Alla språk" in form and "Svenska" in form
    response = client.post("/knowledge", data={"csrf_token": csrf_token(client, "/knowledge/new"), "title": ""})
    assert "Fältet måste fyllas i." in response.get_data(as_text=True)
