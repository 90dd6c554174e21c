"""The CSU knowledge base: full-text search over the articles, and what agents say about them.

Search runs in the database on both backends, with the objects the initial migration creates:
SQLite's FTS5 table `articles_fts` (kept in sync by triggers) and, on PostgreSQL, a GIN index on
`to_tsvector('simple', title || ' ' || body)`. The 'simple' configuration does not stem (the
articles mix Swedish and English), so every word is matched as a prefix instead: "pothol" finds
"potholes". All words must match; when that finds nothing, any word may.

Each article may have a language (`Article.language`: "sv", "en", or None for every reader). A
search in the reader's language looks at the articles in that language and those without one first,
all words, then any word; only when none of them matches does it look at the articles in other
languages (the page marks those with their language): an answer in another language beats none.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from . import events
from .authz import require
from .db import utcnow
from .errors import NotFound
from .models import Article, Case, User
from .texts import Text

MAX_WORDS = 8
MAX_WORD_LENGTH = 40
# Letters and digits only: nothing a user types can become FTS5 or tsquery syntax.
_WORD = re.compile(r"[^\W_]+")

# The articles a reader of :language reads: those in it and those for every language.
_IN_LANGUAGE = "(SELECT id FROM articles WHERE language IS NULL OR language = :language)"
_SQLITE_SEARCH = (
    "SELECT articles_fts.rowid FROM articles_fts WHERE articles_fts MATCH :query {language} "
    "ORDER BY bm25(articles_fts, 4.0, 1.0), articles_fts.rowid LIMIT :limit"
)
# The WHERE expression is the indexed one, word for word, so the GIN index serves it.
_POSTGRESQL_SEARCH = (
    "SELECT id FROM articles, to_tsquery('simple', :query) AS query "
    "WHERE to_tsvector('simple', title || ' ' || body) @@ query {language} "
    "ORDER BY ts_rank(setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body), query) DESC, "
    "id LIMIT :limit"
)
_STATEMENTS = {
    (dialect, in_language): text(template.format(language=f"AND {column} IN {_IN_LANGUAGE}" if in_language else ""))
    for dialect, template, column in (("sqlite", _SQLITE_SEARCH, "articles_fts.rowid"),
                                      ("postgresql", _POSTGRESQL_SEARCH, "id"))
    for in_language in (True, False)
}


def is_search_object(name: str | None) -> bool:
    """Whether a table, trigger or index belongs to the search (so it is not in the models)."""
    return bool(name) and (str(name).startswith("articles_fts") or name == "ix_articles_fts_document")


def search_words(query: str) -> list[str]:
    """The words of a query that take part in a search: lower case, two characters or more."""
    words = [w[:MAX_WORD_LENGTH] for w in _WORD.findall(query.lower()) if len(w) > 1]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def search_articles(session: Session, query: str, limit: int = 10, language: str | None = None) -> list[Article]:
    """Articles matching `query`, best first: all words if any article has them all, else any word.
    With `language` (the reader's), the articles in it and those for every language are searched
    first; the others only when none of those matches."""
    words = search_words(query or "")
    if not words:
        return []
    limit = max(1, min(int(limit), 50))
    ids: list[int] = []
    for in_language in ((True, False) if language else (False,)):
        for operator in ("AND", "OR") if len(words) > 1 else ("AND",):
            ids = _matching_ids(session, words, operator, limit, language if in_language else None)
            if ids:
                break
        if ids:
            break
    if not ids:
        return []
    found = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _matching_ids(session: Session, words: list[str], operator: str, limit: int,
                  language: str | None = None) -> list[int]:
    """The ids of the articles matching the words; with `language`, only those its readers read."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = f" {operator} ".join(f'"{w}"*' for w in words)
    elif dialect == "postgresql":
        match = (" & " if operator == "AND" else " | ").join(f"{w}:*" for w in words)
    else:
        raise NotImplementedError(f"no knowledge-base search on {dialect}")
    params: dict[str, object] = {"query": match, "limit": limit}
    if language:
        params["language"] = language
    return [int(row) for row in session.scalars(_STATEMENTS[dialect, language is not None], params)]


def get_article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(Text("article %(article_id)s not found", article_id=article_id))
    return article


def _require_agent(actor: User | None) -> None:
    require(actor is None or actor.has_role("csu_agent") or actor.has_role("admin"),
            Text("only CSU agents rate knowledge-base articles"))


def mark_not_helpful(session: Session, actor: User | None, article_id: int, *,
                     now: datetime | None = None) -> Article:
    """An agent found that the article did not answer the citizen's question."""
    _require_agent(actor)
    article = get_article(session, article_id)
    _bump(session, article, "not_helpful_count")
    events.record(session, "kb_not_helpful", at=now or utcnow(), actor=actor, article_id=article.id)
    session.flush()
    return article


def mark_helpful(session: Session, actor: User | None, article_id: int, case: Case, *,
                 now: datetime | None = None) -> Article:
    """The article answered the citizen on first contact in `case`."""
    _require_agent(actor)
    article = get_article(session, article_id)
    _bump(session, article, "helpful_count")
    events.record(session, "kb_helpful", at=now or utcnow(), case=case, actor=actor, article_id=article.id)
    session.flush()
    return article


def _bump(session: Session, article: Article, counter: str) -> None:
    """Add one in the database, so two agents voting at once both count; a vote is not an edit."""
    session.execute(update(Article).where(Article.id == article.id)
                    .values({counter: getattr(Article, counter) + 1, "updated_at": Article.updated_at})
                    .execution_options(synchronize_session=False))
    session.refresh(article, [counter])
