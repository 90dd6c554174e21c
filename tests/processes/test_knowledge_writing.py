"""Writing the knowledge base: create, edit, retire and restore articles; who may; what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.errors import InvalidFormData, PermissionDenied
from processes.intake import register_request
from processes.knowledge import (
    ArticleFilter,
    article_categories,
    create_article,
    get_article,
    list_articles,
    may_write,
    restore_article,
    retire_article,
    search_articles,
    update_article,
)
from processes.models import Article, Case, Event, User
from tests.citizen_data import INTAKE
from tests.conftest import create_user

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
BIN = {"title": "När töms mitt kärl?", "body": "Hämtningsdagarna står i avfallskalendern.",
       "language": "sv", "category": "missed_collection", "tags": "sopor, kärl, , sopor"}


@pytest.fixture
def analyst(session: Session) -> User:
    user = create_user(session, "analyst", ["analyst"])
    session.commit()
    return user


def errors_of(work: object) -> dict[str, str]:
    with pytest.raises(InvalidFormData) as raised:
        work()  # type: ignore[operator]
    return raised.value.errors


def test_an_analyst_writes_an_article_the_search_finds_and_the_audit_log_keeps(
        session: Session, people: dict[str, User], deployed: None, analyst: User) -> None:
    article = create_article(session, analyst, **BIN, now=NOW)
    session.commit()

    assert (article.language, article.category, article.tags) == ("sv", "missed_collection", "sopor, kärl")
    assert (article.updated_by, article.updated_at, article.retired_at) == ("analyst", NOW, None)
    assert [a.id for a in search_articles(session, "avfallskalendern", language="sv")] == [article.id]
    event = session.scalars(select(Event).where(Event.kind == "article_created")).one()
    assert (event.actor_id, event.details) == (analyst.id, {"article_id": article.id, "title": BIN["title"]})


def test_an_edit_changes_what_the_search_finds_and_who_wrote_it_last(
        session: Session, people: dict[str, User], deployed: None, analyst: User) -> None:
    article = create_article(session, analyst, **BIN, now=NOW)
    later = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
    update_article(session, people["admin"], article.id, title="Tömning av kärl", body="Se sophämtningens schema.",
                   language="sv", category="missed_collection", tags=["kärl"], now=later)
    session.commit()

    assert search_articles(session, "avfallskalendern") == []
    assert [a.title for a in search_articles(session, "sophämtningens")] == ["Tömning av kärl"]
    assert (article.updated_by, article.updated_at, article.tags) == ("admin", later, "kärl")


def test_a_retired_article_leaves_the_search_but_stays_with_the_cases_that_used_it(
        session: Session, people: dict[str, User], deployed: None, analyst: User) -> None:
    article = create_article(session, analyst, title="Reporting a pothole", body="Potholes are fixed in 5 days.",
                             language="en", category="pothole")
    registered = register_request(session, people["csu"], {**INTAKE, "resolved_on_first_contact": True},
                                  article_id=article.id)
    session.commit()

    retire_article(session, analyst, article.id, now=NOW)
    session.commit()

    assert search_articles(session, "pothole") == [] and search_articles(session, "pothole", language="en") == []
    case = session.get(Case, registered.case.id)
    assert case is not None and case.kb_article == "Reporting a pothole"
    kept = get_article(session, article.id)  # still there, votes and all, for the case page and the history
    assert (kept.retired_at, kept.helpful_count) == (NOW, 1)
    assert [a.id for a in list_articles(session, analyst, ArticleFilter(retired=True))] == [article.id]
    assert list_articles(session, analyst) == []

    restore_article(session, analyst, article.id)
    session.commit()
    assert [a.id for a in search_articles(session, "pothole")] == [article.id]
    kinds = session.scalars(select(Event.kind).where(Event.kind.like("article_%")).order_by(Event.id)).all()
    assert kinds == ["article_created", "article_retired", "article_restored"]


def test_a_case_cannot_be_registered_with_an_article_retired_since_the_agent_found_it(
        session: Session, people: dict[str, User], deployed: None, analyst: User) -> None:
    article = create_article(session, analyst, title="Reporting a pothole", body="Potholes are fixed in 5 days.",
                             language="en", category="pothole")
    retire_article(session, analyst, article.id, now=NOW)
    session.commit()

    with pytest.raises(InvalidFormData) as refused:
        register_request(session, people["csu"], {**INTAKE, "resolved_on_first_contact": True},
                         article_id=article.id)
    assert list(refused.value.errors.values()) == ["Choose an article from the search results."]
    session.rollback()
    assert session.scalars(select(Case)).all() == []


def test_retiring_twice_changes_nothing_the_second_time(session: Session, people: dict[str, User],
                                                        analyst: User) -> None:
    article = create_article(session, analyst, title="Bins", body="Weekly.")
    retire_article(session, analyst, article.id, now=NOW)
    retire_article(session, analyst, article.id, now=datetime(2027, 1, 1, tzinfo=UTC))

    assert article.retired_at == NOW
    assert session.scalars(select(Event).where(Event.kind == "article_retired")).all().__len__() == 1


@pytest.mark.parametrize("role", ["csu_agent", "officer", "manager"])
def test_only_administrators_and_analysts_write(session: Session, people: dict[str, User], analyst: User,
                                                role: str) -> None:
    reader = create_user(session, f"reader_{role}", [role])
    article = create_article(session, people["admin"], title="Bins", body="Weekly.")
    assert may_write(analyst) and may_write(people["admin"]) and may_write(None) and not may_write(reader)

    with pytest.raises(PermissionDenied):
        create_article(session, reader, title="Mine", body="Mine.")
    with pytest.raises(PermissionDenied):
        update_article(session, reader, article.id, title="Mine", body="Mine.")
    with pytest.raises(PermissionDenied):
        retire_article(session, reader, article.id)
    with pytest.raises(PermissionDenied):
        list_articles(session, reader)
    assert (article.title, article.retired_at) == ("Bins", None)


def test_each_bad_field_gets_its_own_message(session: Session, people: dict[str, User], deployed: None) -> None:
    errors = errors_of(lambda: create_article(session, None, title="  ", body="", language="fi",
                                              category="unicorns", tags="x" * 41))

    assert errors == {"title": "This field is required.", "body": "This field is required.",
                      "language": "Choose one of the listed options.", "category": "Choose one of the listed options.",
                      "tags": "Each tag at most 40 characters."}
    assert session.scalars(select(Article)).all() == []


def test_lengths_are_bounded(session: Session, people: dict[str, User]) -> None:
    errors = errors_of(lambda: create_article(session, None, title="t" * 201, body="b" * 20_001,
                                              tags=", ".join(["tag"] * 80 + [str(n) for n in range(80)])))

    assert errors == {"title": "Enter at most 200 characters.", "body": "Enter at most 20000 characters.",
                      "tags": "Enter at most 300 characters."}
    assert create_article(session, None, title="t" * 200, body="b" * 20_000).title == "t" * 200


@pytest.mark.parametrize("hostile", ["nul\x00byte", "lone \ud800 surrogate", "bell\x07"])
def test_characters_no_column_should_hold_are_refused(session: Session, people: dict[str, User],
                                                      hostile: str) -> None:
    errors = errors_of(lambda: create_article(session, None, title=hostile, body=hostile, tags=hostile))

    assert set(errors) == {"title", "body", "tags"}
    assert errors["title"] == "This value contains characters that are not allowed."


def test_markup_and_sql_are_kept_as_text(session: Session, people: dict[str, User]) -> None:
    title = "<script>alert(1)</script>'; DROP TABLE articles; --"
    article = create_article(session, None, title=title, body="Line one\n\tLine two")
    session.commit()

    assert get_article(session, article.id).title == title and article.body == "Line one\n\tLine two"


def test_categories_are_the_intake_forms_and_an_old_one_may_be_kept(session: Session, people: dict[str, User],
                                                                    deployed: None) -> None:
    codes = [c.code for c in article_categories(session)]
    assert {"pothole", "streetlight", "missed_collection"} <= set(codes)
    old = Article(title="Old", body="From a former form.", category="snow_clearing")
    session.add(old)
    session.flush()

    update_article(session, None, old.id, title="Old, edited", body="Still.", category="snow_clearing")
    assert old.category == "snow_clearing"
    assert errors_of(lambda: update_article(session, None, old.id, title="Old", body="x", category="unicorns")) == \
        {"category": "Choose one of the listed options."}


def test_without_a_deployed_intake_form_no_category_is_offered(session: Session, people: dict[str, User]) -> None:
    assert article_categories(session) == []
    assert create_article(session, None, title="General", body="For everyone.").category is None


def test_the_list_filters_by_language_category_state_and_words(session: Session, people: dict[str, User],
                                                                deployed: None) -> None:
    sv = create_article(session, None, **BIN)
    en = create_article(session, None, title="Broken streetlight", body="Ask for the lamp post number.",
                        language="en", category="streetlight", tags="lamp")
    every = create_article(session, None, title="Opening hours", body="The CSU answers 8-17.")
    retired = create_article(session, None, title="Old streetlight number", body="Gone.", category="streetlight")
    retire_article(session, None, retired.id)

    def ids(**filters: object) -> set[int]:
        return {a.id for a in list_articles(session, None, ArticleFilter(**filters))}  # type: ignore[arg-type]

    assert ids() == {sv.id, en.id, every.id}
    assert ids(language="sv") == {sv.id} and ids(language="") == {every.id}
    assert ids(category="streetlight", retired=None) == {en.id, retired.id}
    assert ids(retired=True) == {retired.id}
    assert ids(text="LAMP") == {en.id} and ids(text="kärl") == {sv.id} and ids(text="%") == {sv.id, en.id, every.id}
