"""Knowledge-base search (FTS5 on SQLite, tsvector + GIN on PostgreSQL) and the agents' votes."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from processes.errors import NotFound, PermissionDenied
from processes.knowledge import mark_not_helpful, search_articles, search_words
from processes.models import Article, Event, User


@pytest.fixture
def articles(session: Session) -> dict[str, Article]:
    rows = {
        "pothole": Article(title="Reporting a pothole", category="pothole",
                           body="Potholes are repaired within 5 working days. Ask for the exact address."),
        "streetlight": Article(title="Broken streetlight", category="streetlight",
                               body="Ask for the lamp post number. Repairs are batched weekly."),
        "bin": Article(title="When is my bin emptied?", category="missed_collection",
                       body="Collection days are on the waste calendar. A missed bin goes to Waste."),
        "roads": Article(title="Private roads", category=None,
                         body="Streetlights and potholes on private roads belong to the road association."),
    }
    session.add_all(rows.values())
    session.commit()
    return rows


def titles(found: list[Article]) -> list[str]:
    return [a.title for a in found]


def test_search_finds_articles_by_words_in_title_and_body(session: Session, articles: dict[str, Article]) -> None:
    assert titles(search_articles(session, "lamp post")) == ["Broken streetlight"]
    assert titles(search_articles(session, "waste calendar")) == ["When is my bin emptied?"]


def test_search_ranks_a_title_match_above_a_body_match(session: Session, articles: dict[str, Article]) -> None:
    assert titles(search_articles(session, "streetlight")) == ["Broken streetlight", "Private roads"]
    assert titles(search_articles(session, "pothole")) == ["Reporting a pothole", "Private roads"]


def test_search_matches_word_prefixes(session: Session, articles: dict[str, Article]) -> None:
    assert titles(search_articles(session, "lam")) == ["Broken streetlight"]
    assert titles(search_articles(session, "POTHOL"))[0] == "Reporting a pothole"


def test_search_needs_every_word_when_some_article_has_them_all(session: Session,
                                                                articles: dict[str, Article]) -> None:
    assert titles(search_articles(session, "private potholes")) == ["Private roads"]


def test_search_falls_back_to_any_word(session: Session, articles: dict[str, Article]) -> None:
    found = titles(search_articles(session, "lamp bin unicorn"))

    assert sorted(found) == ["Broken streetlight", "When is my bin emptied?"]


@pytest.fixture
def bilingual(session: Session, articles: dict[str, Article]) -> dict[str, Article]:
    """The articles above, "Broken streetlight" marked English, and one in each language on the fault line."""
    articles["streetlight"].language = "en"
    rows = {**articles,
            "sv": Article(title="Trasig gatubelysning", category="streetlight", language="sv",
                          body="Fråga efter stolpens nummer. Felanmälan: 0771-100 100."),
            "en": Article(title="Streetlight fault line", category="streetlight", language="en",
                          body="Faults are reported on 0771-100 100.")}
    session.add_all(rows.values())
    session.commit()
    return rows


def test_a_reader_finds_the_articles_in_their_language(session: Session, bilingual: dict[str, Article]) -> None:
    assert titles(search_articles(session, "0771", language="sv")) == ["Trasig gatubelysning"]
    assert titles(search_articles(session, "0771", language="en")) == ["Streetlight fault line"]
    assert sorted(titles(search_articles(session, "0771"))) == ["Streetlight fault line", "Trasig gatubelysning"]


def test_articles_without_a_language_are_for_every_reader(session: Session, bilingual: dict[str, Article]) -> None:
    # "Private roads" has no language; the English ones that match too stay out for a Swedish reader
    assert titles(search_articles(session, "streetlight", language="sv")) == ["Private roads"]
    found = titles(search_articles(session, "streetlight", language="en"))
    assert sorted(found[:2]) == ["Broken streetlight", "Streetlight fault line"] and found[2:] == ["Private roads"]


def test_only_when_nothing_in_the_readers_language_matches_are_other_languages_searched(
        session: Session, bilingual: dict[str, Article]) -> None:
    assert titles(search_articles(session, "lamp post", language="sv")) == ["Broken streetlight"]
    # any word in Swedish beats every word in another language
    assert titles(search_articles(session, "stolpens lamp", language="sv")) == ["Trasig gatubelysning"]
    assert search_articles(session, "unicorn", language="sv") == []


def test_search_of_nothing_finds_nothing(session: Session, articles: dict[str, Article]) -> None:
    assert search_articles(session, "") == []
    assert search_articles(session, "  ?! ") == []
    assert search_articles(session, "unicorn") == []


@pytest.mark.parametrize("query", ['"; DROP TABLE articles; --', "title:pothole", "NEAR(pothole bin)",
                                   "pothole & !bin | (", "pothole*", "'pothole'", "pot\\hole", "AND OR NOT"])
def test_search_syntax_in_a_query_is_just_words(session: Session, articles: dict[str, Article], query: str) -> None:
    search_articles(session, query)  # no error

    assert session.scalar(select(Article.id).where(Article.title == "Reporting a pothole")) is not None


def test_search_words_are_letters_and_digits_only() -> None:
    assert search_words('Title:"Pot_hole" NEAR(x) 5cm & bin!') == ["title", "pot", "hole", "near", "5cm", "bin"]


def test_search_respects_the_limit(session: Session, articles: dict[str, Article]) -> None:
    assert len(search_articles(session, "potholes lamp bin", limit=2)) == 2


def test_search_follows_edits_and_deletions(session: Session, articles: dict[str, Article]) -> None:
    articles["streetlight"].title = "Street lamp out"
    session.delete(articles["bin"])
    session.commit()

    assert titles(search_articles(session, "broken")) == []
    assert titles(search_articles(session, "street lamp")) == ["Street lamp out"]
    assert search_articles(session, "calendar") == []


def test_postgresql_search_uses_the_gin_index(session: Session, articles: dict[str, Article]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the GIN index is PostgreSQL's")
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.scalars(text(
        "EXPLAIN SELECT id FROM articles WHERE to_tsvector('simple', title || ' ' || body) "
        "@@ to_tsquery('simple', 'pothole:*')")))

    assert "ix_articles_fts_document" in plan


def test_not_helpful_is_counted_and_logged(session: Session, people: dict[str, User],
                                           articles: dict[str, Article]) -> None:
    article = articles["pothole"]

    mark_not_helpful(session, people["csu"], article.id)
    mark_not_helpful(session, people["csu"], article.id)
    session.commit()

    assert (article.not_helpful_count, article.helpful_count) == (2, 0)
    logged = session.scalars(select(Event).where(Event.kind == "kb_not_helpful")).all()
    assert [(e.actor_id, e.details) for e in logged] == [(people["csu"].id, {"article_id": article.id})] * 2


def test_only_csu_agents_rate_articles(session: Session, people: dict[str, User],
                                       articles: dict[str, Article]) -> None:
    with pytest.raises(PermissionDenied):
        mark_not_helpful(session, people["officer"], articles["pothole"].id)
    with pytest.raises(NotFound):
        mark_not_helpful(session, people["csu"], 999_999)
