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

Writers (administrators and analysts, `may_write`) create, edit, retire and restore articles. A retired
article is not found any more, but it is kept: the cases that used it keep its title, and it can be
restored. Every write stamps `updated_at` and `updated_by` and leaves an event in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from . import events
from .authz import require
from .db import utcnow
from .errors import InvalidFormData, NotFound
from .models import Article, Case, User
from .service_catalog import list_services
from .texts import Text
from .users import LOCALES

MAX_WORDS = 8
MAX_WORD_LENGTH = 40
# Letters and digits only: nothing a user types can become FTS5 or tsquery syntax.
_WORD = re.compile(r"[^\W_]+")

# The articles a search may find: those not retired; for a reader of :language, those in it and those
# for every language.
_CURRENT = "(SELECT id FROM articles WHERE retired_at IS NULL)"
_IN_LANGUAGE = "(SELECT id FROM articles WHERE retired_at IS NULL AND (language IS NULL OR language = :language))"
_SQLITE_SEARCH = (
    "SELECT articles_fts.rowid FROM articles_fts WHERE articles_fts MATCH :query {among} "
    "ORDER BY bm25(articles_fts, 4.0, 1.0), articles_fts.rowid LIMIT :limit"
)
# The WHERE expression is the indexed one, word for word, so the GIN index serves it.
_POSTGRESQL_SEARCH = (
    "SELECT id FROM articles, to_tsquery('simple', :query) AS query "
    "WHERE to_tsvector('simple', title || ' ' || body) @@ query {among} "
    "ORDER BY ts_rank(setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body), query) DESC, "
    "id LIMIT :limit"
)
_STATEMENTS = {
    (dialect, in_language): text(template.format(among=f"AND {column} IN {_IN_LANGUAGE if in_language else _CURRENT}"))
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


# Writing the knowledge base ------------------------------------------------------------------------

MAX_TITLE = 200  # the column
MAX_BODY = 20_000  # a page or two a CSU agent reads on the phone; nothing like that is an article
MAX_TAGS = 300  # the column
MAX_TAG = 40
WRITER_ROLES = ("admin", "analyst")
# NUL (PostgreSQL text cannot hold it), lone surrogates, and control characters other than tab and newline.
_BAD_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def may_write(actor: User | None) -> bool:
    """Who keeps the knowledge base: administrators and analysts (and the system: the CLI, the demo).
    Everyone who takes requests reads it on the intake page."""
    return actor is None or any(actor.has_role(role) for role in WRITER_ROLES)


def require_writer(actor: User | None) -> None:
    require(may_write(actor), Text("only administrators and analysts write knowledge-base articles"))


@dataclass(frozen=True)
class Category:
    """A category an article can be filed under: an option of the deployed intake form's category field."""

    code: str
    label: str  # in the reader's language


def article_categories(session: Session) -> list[Category]:
    """The categories the current intake form offers, in its order; none when no process takes requests."""
    try:
        return [Category(s.code, s.name) for s in list_services(session)]
    except NotFound:
        return []


@dataclass(frozen=True)
class ArticleFilter:
    """What the writers' list shows: `language` "" for articles without one; `retired` True for the
    retired only, False for the current only, None for both."""

    language: str | None = None
    category: str | None = None
    retired: bool | None = False
    text: str = ""


def list_articles(session: Session, actor: User | None, filters: ArticleFilter = ArticleFilter(), *,
                  limit: int = 500) -> list[Article]:
    """The articles for writers, newest edit first; `text` finds words in the title, body or tags."""
    require_writer(actor)
    query = select(Article)
    if filters.language == "":
        query = query.where(Article.language.is_(None))
    elif filters.language:
        query = query.where(Article.language == filters.language)
    if filters.category == "":
        query = query.where(Article.category.is_(None))
    elif filters.category:
        query = query.where(Article.category == filters.category)
    if filters.retired is not None:
        query = query.where(Article.retired_at.is_not(None) if filters.retired else Article.retired_at.is_(None))
    for word in search_words(filters.text or ""):
        pattern = f"%{word}%"  # letters and digits only: no LIKE wildcard comes from the reader
        query = query.where(or_(func.lower(Article.title).like(pattern), func.lower(Article.body).like(pattern),
                                func.lower(Article.tags).like(pattern)))
    query = query.order_by(Article.updated_at.desc(), Article.id.desc()).limit(max(1, min(int(limit), 1000)))
    return list(session.scalars(query))


def _text_problem(value: str, limit: int, *, required: bool) -> Text | None:
    if required and not value:
        return Text("This field is required.")
    if len(value) > limit:
        return Text("Enter at most %(n)s characters.", n=limit)
    if _BAD_CHARACTERS.search(value):
        return Text("This value contains characters that are not allowed.")
    return None


def _tags(raw: str | Iterable[str] | None, errors: dict[str, str]) -> str | None:
    """Tags as one comma-separated string: each trimmed, none twice, none empty."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    tags = list(dict.fromkeys(t.strip() for t in items if t and t.strip()))
    joined = ", ".join(tags)
    problem = _text_problem(joined, MAX_TAGS, required=False)
    if problem is None and any(len(t) > MAX_TAG for t in tags):
        problem = Text("Each tag at most %(n)s characters.", n=MAX_TAG)
    if problem is not None:
        errors["tags"] = problem
    return joined or None


def _checked(session: Session, *, title: str, body: str, language: str | None, category: str | None,
             tags: str | Iterable[str] | None, keep_category: str | None = None) -> dict[str, str | None]:
    """The article's fields cleaned; InvalidFormData with one message per bad field."""
    errors: dict[str, str] = {}
    values: dict[str, str | None] = {"title": (title or "").strip(), "body": (body or "").strip()}
    for key, limit in (("title", MAX_TITLE), ("body", MAX_BODY)):
        problem = _text_problem(values[key] or "", limit, required=True)
        if problem is not None:
            errors[key] = problem
    values["language"] = (language or "").strip() or None
    if values["language"] is not None and values["language"] not in LOCALES:
        errors["language"] = Text("Choose one of the listed options.")
    values["category"] = (category or "").strip() or None
    if values["category"] is not None and values["category"] != keep_category and \
            values["category"] not in {c.code for c in article_categories(session)}:
        errors["category"] = Text("Choose one of the listed options.")
    values["tags"] = _tags(tags, errors)
    if errors:
        raise InvalidFormData(errors)
    return values


def create_article(session: Session, actor: User | None, *, title: str, body: str, language: str | None = None,
                   category: str | None = None, tags: str | Iterable[str] | None = None,
                   now: datetime | None = None) -> Article:
    """A new article, found by the intake search from the moment the request commits."""
    require_writer(actor)
    now = now or utcnow()
    values = _checked(session, title=title, body=body, language=language, category=category, tags=tags)
    article = Article(**values, created_at=now, updated_at=now, updated_by=_who(actor))
    session.add(article)
    session.flush()
    events.record(session, "article_created", at=now, actor=actor, article_id=article.id, title=article.title)
    return article


def update_article(session: Session, actor: User | None, article_id: int, *, title: str, body: str,
                   language: str | None = None, category: str | None = None,
                   tags: str | Iterable[str] | None = None, now: datetime | None = None) -> Article:
    """Change an article. Its votes stay; a category the intake form no longer offers may be kept as it is.
    The cases that used it keep the title they were registered with."""
    require_writer(actor)
    article = get_article(session, article_id)
    now = now or utcnow()
    values = _checked(session, title=title, body=body, language=language, category=category, tags=tags,
                      keep_category=article.category)
    for key, value in values.items():
        setattr(article, key, value)
    article.updated_at, article.updated_by = now, _who(actor)
    session.flush()
    events.record(session, "article_updated", at=now, actor=actor, article_id=article.id, title=article.title)
    return article


def retire_article(session: Session, actor: User | None, article_id: int, *, now: datetime | None = None) -> Article:
    """Take the article out of the search; it is kept, with its votes, for the cases that used it."""
    return _set_retired(session, actor, article_id, True, now or utcnow())


def restore_article(session: Session, actor: User | None, article_id: int, *,
                    now: datetime | None = None) -> Article:
    """Put a retired article back into the search."""
    return _set_retired(session, actor, article_id, False, now or utcnow())


def _set_retired(session: Session, actor: User | None, article_id: int, retired: bool, now: datetime) -> Article:
    require_writer(actor)
    article = get_article(session, article_id)
    if (article.retired_at is not None) == retired:
        return article  # already so: a second click changes nothing
    article.retired_at = now if retired else None
    article.updated_at, article.updated_by = now, _who(actor)
    session.flush()
    events.record(session, "article_retired" if retired else "article_restored", at=now, actor=actor,
                  article_id=article.id, title=article.title)
    return article


def _who(actor: User | None) -> str | None:
    return actor.username if actor is not None else None
