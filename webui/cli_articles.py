"""`onestop articles add|list|retire|restore`: keep the knowledge base the CSU answers from.

Without --user the command runs as the system; with it, as that user (an administrator or analyst)."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy.orm import Session

from processes import knowledge
from processes.knowledge import MAX_BODY, ArticleFilter
from processes.models import Article, User
from processes.users import LOCALES, find_user

from .cli_args import ID, fail

NO_LANGUAGE = "none"


@click.group("articles")
def articles_group() -> None:
    """Knowledge-base articles."""


def _actor(session: Session, username: str | None) -> User | None:
    return find_user(session, username) if username else None


def _body(body: str | None, body_file: str | None) -> str:
    """The text from --body or --body-file (UTF-8; '-' reads standard input); exactly one of them."""
    if (body is None) == (body_file is None):
        fail("give the text with --body or --body-file (one of them)")
    if body is not None:
        return body
    try:
        with click.open_file(body_file or "-", encoding="utf-8") as stream:
            text = stream.read(MAX_BODY * 4 + 1)  # enough to say it is too long, not a whole disk
    except (OSError, UnicodeDecodeError) as err:
        fail(f"--body-file {body_file}: {getattr(err, 'strerror', None) or err}")
    return str(text)


@articles_group.command("add")
@click.option("--title", required=True)
@click.option("--body", default=None, help="The text of the article")
@click.option("--body-file", default=None, help="Read the text from this UTF-8 file ('-': standard input)")
@click.option("--language", type=click.Choice(LOCALES), default=None,
              help="Its readers' language (default: every language)")
@click.option("--category", default="", help="A category of the intake form, e.g. missed_collection")
@click.option("--tags", default="", help="Comma-separated, e.g. 'bin, collection day'")
@click.option("--user", "username", default=None, help="Write as this user (an administrator or analyst)")
@click.pass_obj
def add(ctx: Any, title: str, body: str | None, body_file: str | None, language: str | None, category: str,
        tags: str, username: str | None) -> None:
    """Write a new article; prints its id."""
    text = _body(body, body_file)
    article_id = ctx.run(lambda s: knowledge.create_article(
        s, _actor(s, username), title=title, body=text, language=language, category=category, tags=tags).id)
    click.echo(article_id)


@articles_group.command("list")
@click.option("--language", type=click.Choice((*LOCALES, NO_LANGUAGE)), default=None,
              help=f"Only this language ({NO_LANGUAGE}: the articles for every language)")
@click.option("--all", "everything", is_flag=True, help="The retired articles too")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def list_articles(ctx: Any, language: str | None, everything: bool, as_json: bool) -> None:
    """Articles, newest edit first: id, language, helped/did not help, state, title."""
    filters = ArticleFilter(language="" if language == NO_LANGUAGE else language, retired=None if everything else False)

    def work(session: Session) -> list[dict[str, Any]]:
        return [_row(a) for a in knowledge.list_articles(session, None, filters)]

    rows = ctx.run(work)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "  (retired)" if row["retired_at"] else ""
        votes = f"{row['helpful_count']:>4}+ {row['not_helpful_count']:>4}-"
        language, category = row["language"] or "-", row["category"] or "-"
        click.echo(f"{row['id']:>5}  {language:<3} {votes}  {category:<18} {row['title']}{state}")


@articles_group.command("retire")
@click.argument("article_id", type=ID)
@click.option("--user", "username", default=None)
@click.pass_obj
def retire(ctx: Any, article_id: int, username: str | None) -> None:
    """Take article ARTICLE_ID out of the search (kept for the cases that used it)."""
    ctx.run(lambda s: knowledge.retire_article(s, _actor(s, username), article_id))
    click.echo(f"article {article_id} retired")


@articles_group.command("restore")
@click.argument("article_id", type=ID)
@click.option("--user", "username", default=None)
@click.pass_obj
def restore(ctx: Any, article_id: int, username: str | None) -> None:
    """Put retired article ARTICLE_ID back into the search."""
    ctx.run(lambda s: knowledge.restore_article(s, _actor(s, username), article_id))
    click.echo(f"article {article_id} restored")


def _row(article: Article) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "language": article.language, "category": article.category,
            "tags": article.tags, "helpful_count": article.helpful_count,
            "not_helpful_count": article.not_helpful_count,
            "updated_at": article.updated_at.isoformat(), "updated_by": article.updated_by,
            "retired_at": article.retired_at.isoformat() if article.retired_at else None}
