"""Keeping the knowledge base (/knowledge): the articles the CSU answers from, written by administrators
and analysts (processes.knowledge.may_write). The CSU reads them on the intake page.

The list shows the current articles with their votes (which ones help), the retired ones apart; the
form writes one article in one language (or for every language) under a category of the intake form.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from processes import knowledge
from processes.knowledge import ArticleFilter
from processes.models import Article
from processes.users import LOCALES

from .admin import attempt
from .extensions import login_manager
from .intake import MAX_QUERY
from .session import actor, commit, db_session

bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")

# The languages an article can be written in; "" is every language (no language of its own).
LANGUAGE_NAMES = {"": _l("Every language"), "en": _l("English"), "sv": _l("Swedish")}
NO_LANGUAGE = "none"  # the list filter for the articles without a language
FIELDS = ("title", "body", "language", "category", "tags")


@bp.before_request
def writers_only() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    knowledge.require_writer(actor())
    return None


@bp.get("", endpoint="index")
def index() -> Any:
    session, me = db_session(), actor()
    filters = _filters()
    current = knowledge.list_articles(session, me, filters)
    retired = knowledge.list_articles(session, me, ArticleFilter(
        language=filters.language, category=filters.category, retired=True, text=filters.text))
    return render_template("knowledge/index.html", articles=current, retired=retired, args=request.args,
                           q=filters.text, **_choices())


@bp.get("/new", endpoint="new")
def new() -> Any:
    return _render_form(None, {"language": request.args.get("language", "")}, {})


@bp.post("", endpoint="create")
def create() -> Any:
    values = _submitted()
    article, errors = attempt(lambda: knowledge.create_article(db_session(), actor(), **values))
    if errors or article is None:
        return _render_form(None, values, errors, 422)
    flash(_("Article “%(title)s” saved.", title=article.title), "success")
    return redirect(url_for("knowledge.index"))


@bp.get("/<int:article_id>", endpoint="edit")
def edit(article_id: int) -> Any:
    article = knowledge.get_article(db_session(), article_id)
    return _render_form(article, {key: getattr(article, key) or "" for key in FIELDS}, {})


@bp.post("/<int:article_id>", endpoint="update")
def update(article_id: int) -> Any:
    article = knowledge.get_article(db_session(), article_id)
    values = _submitted()
    _done, errors = attempt(lambda: knowledge.update_article(db_session(), actor(), article_id, **values))
    if errors:  # rolled back: `article` reloads as it was stored
        return _render_form(article, values, errors, 422)
    flash(_("Article “%(title)s” saved.", title=article.title), "success")
    return redirect(url_for("knowledge.index"))


@bp.post("/<int:article_id>/retire", endpoint="retire")
def retire(article_id: int) -> Any:
    article = knowledge.retire_article(db_session(), actor(), article_id)
    commit()
    flash(_("Article “%(title)s” retired: the intake search no longer finds it.", title=article.title), "success")
    return redirect(url_for("knowledge.index"))


@bp.post("/<int:article_id>/restore", endpoint="restore")
def restore(article_id: int) -> Any:
    article = knowledge.restore_article(db_session(), actor(), article_id)
    commit()
    flash(_("Article “%(title)s” restored.", title=article.title), "success")
    return redirect(url_for("knowledge.index"))


def _filters() -> ArticleFilter:
    """The list's filters from the query string; an unknown language shows every article."""
    language = request.args.get("language", "")
    category = request.args.get("category", "")
    return ArticleFilter(
        language="" if language == NO_LANGUAGE else (language if language in LOCALES else None),
        category="" if category == NO_LANGUAGE else (category[:64] or None),
        retired=False, text=request.args.get("q", "")[:MAX_QUERY])


def _submitted() -> dict[str, Any]:
    form = request.form
    return {key: form.get(key, "") for key in FIELDS}


def _choices() -> dict[str, Any]:
    """The languages and categories (the intake form's, in the reader's language) the pages offer."""
    categories = knowledge.article_categories(db_session())
    return {"languages": LANGUAGE_NAMES, "categories": {c.code: c.label for c in categories},
            "no_language": NO_LANGUAGE}


def _render_form(article: Article | None, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Any:
    choices = _choices()
    kept = article.category if article is not None else None
    if kept and kept not in choices["categories"]:
        choices["categories"][kept] = kept  # no longer on the intake form: it may stay as it is
    return render_template("knowledge/form.html", article=article, form=values, errors=errors, **choices), status
