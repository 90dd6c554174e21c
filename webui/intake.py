"""CSU intake: a fast server-rendered form with the knowledge base beside it.

The search shows the articles in the reader's language and those for every language; articles in
another language only when none of those matches, each marked with its language.

Works without JavaScript: the search button posts the whole form back (nothing typed is lost),
and so does "did not help". With JavaScript (static/intake.js) the search runs as you type
against /intake/kb and the votes are sent in the background.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from processes.errors import InvalidFormData, NotFound
from processes.forms import Field, form_fields
from processes.intake import article_key, intake_form, intake_receipt, intake_routine, register_request, require_agent
from processes.knowledge import get_article, mark_not_helpful, search_articles
from processes.language import reading_language
from processes.models import Article
from processes.translations import form_in

from .errors import wants_json
from .helpers import local_date
from .input_guard import parse_whole_number
from .session import actor, commit, db_session
from .tasks import case_url

bp = Blueprint("intake", __name__)

MAX_QUERY = 200
# The mark on an article shown to a reader of another language (nothing in theirs matched).
LANGUAGE_MARKS = {"en": _l("In English"), "sv": _l("In Swedish")}


@bp.get("/intake", endpoint="intake")
@login_required
def show() -> Any:
    require_agent(actor())
    return _render(values={}, query=request.args.get("q", ""))


@bp.post("/intake", endpoint="register")
@login_required
def register() -> Any:
    """Register the request, or (action=search) show the articles for the query with the form kept."""
    values = _submitted()
    query = request.form.get("q", "")
    if request.form.get("action") == "search":
        require_agent(actor())
        return _render(values=values, query=query)
    try:
        done = register_request(db_session(), actor(), values, article_id=_article_id())
    except InvalidFormData as err:
        db_session().rollback()
        return _render(values=values, query=query, errors=err.errors, status=422)
    commit()
    return redirect(url_for("intake.done", case_id=done.case.id))


@bp.get("/intake/kb", endpoint="kb")
@login_required
def kb() -> Any:
    """Search results: JSON for scripts that ask for it, else the HTML fragment the page shows."""
    require_agent(actor())
    query = request.args.get("q", "")[:MAX_QUERY]
    articles = _search(query)
    if wants_json() or request.args.get("format") == "json":
        return {"query": query, "articles": [_article_json(a) for a in articles]}
    chosen = _chosen(request.args.get("chosen"))
    return render_template("intake/_articles.html", articles=_with_chosen(articles, chosen), query=query,
                           chosen=chosen, in_other_languages=_in_other_languages(articles),
                           language_mark=language_mark)


@bp.post("/intake/kb/<int:article_id>/not-helpful", endpoint="not_helpful")
@login_required
def not_helpful(article_id: int) -> Any:
    article = mark_not_helpful(db_session(), actor(), article_id)
    commit()
    if wants_json():
        return {"article": _article_json(article), "message": _("Noted: this article did not help.")}
    flash(_("Noted: “%(title)s” did not help.", title=article.title), "success")
    return _render(values=_submitted(), query=request.form.get("q", ""))


@bp.get("/intake/cases/<int:case_id>", endpoint="done")
@login_required
def done(case_id: int) -> Any:
    receipt = intake_receipt(db_session(), actor(), case_id)
    return render_template("intake/done.html", receipt=receipt, case_url=case_url(receipt.case.id),
                           due=local_date(receipt.due_at) if receipt.due_at else None)


def _submitted() -> dict[str, Any]:
    """The intake fields from the HTML form (an unticked checkbox is simply absent from it)."""
    values: dict[str, Any] = {}
    article = intake_routine(db_session()).kb_article_field  # filled from the chosen article, not typed
    for f in _fields():
        if f.key != article and (f.key in request.form or f.type == "checkbox"):
            values[f.key] = request.form.get(f.key)
    return values


def _article_id() -> int | None:
    try:
        return parse_whole_number(request.form.get("kb_article_id"))
    except ValueError:
        message = _("Choose an article from the search results.")
        raise InvalidFormData({article_key(intake_routine(db_session())): message}) from None


def _chosen(raw: str | None) -> Article | None:
    """The article picked in the form; a stale or garbled choice just shows no choice."""
    try:
        article_id = parse_whole_number(raw)
        return get_article(db_session(), article_id) if article_id is not None else None
    except (ValueError, NotFound):
        return None


def _with_chosen(articles: list[Article], chosen: Article | None) -> list[Article]:
    """The chosen article stays on screen when a new search does not find it."""
    if chosen is None or any(a.id == chosen.id for a in articles):
        return articles
    return [chosen, *articles]


def _fields() -> list[Field]:
    return form_fields(form_in(intake_form(db_session()), reading_language()))


def _render(*, values: dict[str, Any], query: str, errors: dict[str, str] | None = None, status: int = 200) -> Any:
    query = query[:MAX_QUERY]
    fields = _fields()
    chosen = None if "kb_article_id" not in request.form else _chosen(request.form.get("kb_article_id"))
    found = _search(query)
    articles = _with_chosen(found, chosen)
    by_key = {f.key: f for f in fields}
    routine = intake_routine(db_session())
    # The page places the article (beside the knowledge base) and the first-contact box (under Outcome)
    # itself; every other field of the intake form is listed in form order.
    placed = {routine.kb_article_field, routine.first_contact_field}
    return render_template(
        "intake/intake.html", fields=[f for f in fields if f.key not in placed], by_key=by_key,
        values=values, errors=errors or {}, query=query, articles=articles, chosen=chosen,
        article_key=article_key(routine), first_contact=by_key.get(routine.first_contact_field or ""),
        in_other_languages=_in_other_languages(found), language_mark=language_mark,
    ), status


def _search(query: str) -> list[Article]:
    """The articles for the query, the reader's language first (processes.knowledge)."""
    return search_articles(db_session(), query, language=reading_language())


def language_mark(article: Article) -> str:
    """"In English" on an article in another language than the reader's; '' on the others."""
    if not article.language or article.language == reading_language():
        return ""
    return str(LANGUAGE_MARKS.get(article.language, article.language))


def _in_other_languages(found: list[Article]) -> bool:
    """Whether the search found articles, all in other languages (nothing in the reader's matched)."""
    return bool(found) and all(language_mark(a) for a in found)


def _article_json(article: Article) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "body": article.body, "category": article.category,
            "language": article.language,
            "helpful_count": article.helpful_count, "not_helpful_count": article.not_helpful_count}
