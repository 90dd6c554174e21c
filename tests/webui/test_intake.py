"""CSU intake: the server-rendered form, the knowledge base beside it, and the confirmation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from processes.demo import seed_articles
from processes.models import Article, Case, Event, Task, User
from processes.users import set_locale

from .conftest import csrf_token, login

REQUEST = {"channel": "walk_in", "citizen_name": "Nils Ek", "citizen_email": "nils@example.org",
           "category": "missed_collection", "description": "The bin on Ekvägen 3 was not emptied on Monday."}


@pytest.fixture
def articles(session: Session) -> dict[str, Article]:
    seed_articles(session)
    session.commit()
    return {a.title: a for a in session.scalars(select(Article))}


def post_intake(client: FlaskClient, **fields: Any) -> Any:
    return client.post("/intake", data={"csrf_token": csrf_token(client, "/intake"), **fields})


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(("username", "status"), [("csu", 200), ("admin", 200), ("officer", 403)])
def test_intake_page_is_for_csu_agents(client: FlaskClient, people: dict[str, User], username: str,
                                       status: int) -> None:
    login(client, username)

    response = client.get("/intake")

    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        for label in ("Channel", "Walk-in", "Citizen name", "Citizen e-mail", "Missed waste collection",
                      "Description", "Resolved on first contact", "Search articles"):
            assert label in page


def test_a_registered_request_is_handed_over_with_its_reference_office_and_deadline(
        client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    login(client, "csu")

    response = post_intake(client, **REQUEST)

    assert response.status_code == 302
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    case = session.scalars(select(Case)).one()
    assert case.business_key in receipt and "Waste" in receipt
    assert re.search(r"Reply deadline</dt><dd><time[^>]*>\d{4}-\d\d-\d\d</time>", receipt)
    tasks = {t.element_id: t for t in session.scalars(select(Task).where(Task.case_id == case.id))}
    assert (tasks["intake"].status, tasks["intake"].completed_by_id) == ("completed", people["csu"].id)
    assert (tasks["handle_request"].status, tasks["handle_request"].group_name) == ("open", "waste")
    assert case.data["channel"] == "walk_in" and case.data["resolved_on_first_contact"] is False


def test_resolved_on_first_contact_closes_the_case_and_counts_the_article_as_helpful(
        client: FlaskClient, session: Session, people: dict[str, User], articles: dict[str, Article]) -> None:
    article = articles["When is my bin emptied?"]
    login(client, "csu")

    response = post_intake(client, **REQUEST, resolved_on_first_contact="true", kb_article_id=str(article.id))

    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resolved on first contact" in receipt and "Reply deadline" not in receipt
    case = session.scalars(select(Case)).one()
    assert (case.status, case.data["kb_article"]) == ("closed", "When is my bin emptied?")
    session.refresh(article)
    assert (article.helpful_count, article.not_helpful_count) == (1, 0)
    helped = session.scalars(select(Event).where(Event.kind == "kb_helpful")).one()
    assert (helped.case_id, helped.details) == (case.id, {"article_id": article.id})


def test_an_invalid_request_keeps_what_was_typed_and_starts_no_case(client: FlaskClient, session: Session,
                                                                    people: dict[str, User]) -> None:
    login(client, "csu")

    response = post_intake(client, **{**REQUEST, "citizen_name": "", "citizen_email": "not an address",
                                      "description": "<b>Bin</b> " + "x" * 4000})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-citizen_name" name="citizen_name" value=""' in page
    assert re.search(r'id="f-citizen_name-error">This field is required\.', page)
    assert re.search(r'id="f-citizen_email-error">This value does not have the expected format\.', page)
    assert "Enter at most 4000 characters." in page
    assert "&lt;b&gt;Bin&lt;/b&gt; xxx" in page and "<b>Bin</b>" not in page
    assert 'value="nils@example.org"' not in page and 'value="not an address"' in page
    assert count(session, Case) == 0


def test_an_unknown_article_is_refused(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    login(client, "csu")

    response = post_intake(client, **REQUEST, resolved_on_first_contact="true", kb_article_id="999999")

    assert response.status_code == 422
    assert "Choose an article from the search results." in response.get_data(as_text=True)
    assert count(session, Case) == 0


def test_the_search_button_shows_articles_and_keeps_the_form(client: FlaskClient, session: Session,
                                                             people: dict[str, User],
                                                             articles: dict[str, Article]) -> None:
    login(client, "csu")

    response = post_intake(client, **REQUEST, q="bin emptied", action="search")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "When is my bin emptied?" in page and "Ekvägen 3" in page
    assert count(session, Case) == 0


def test_knowledge_base_search_answers_html_or_json(client: FlaskClient, people: dict[str, User],
                                                    articles: dict[str, Article]) -> None:
    login(client, "csu")

    fragment = client.get("/intake/kb?q=lamp post").get_data(as_text=True)
    answer = client.get("/intake/kb?q=lamp post", headers={"Accept": "application/json"}).get_json()

    assert "Broken streetlight" in fragment and "<html" not in fragment
    assert [a["title"] for a in answer["articles"]] == ["Broken streetlight"]


def test_the_knowledge_base_answers_in_the_readers_language(client: FlaskClient, session: Session,
                                                          people: dict[str, User],
                                                          articles: dict[str, Article]) -> None:
    login(client, "csu")
    set_locale(session, people["csu"], "en")
    session.commit()
    english = client.get("/intake/kb?q=streetlight", headers={"Accept": "application/json"}).get_json()
    assert {(a["title"], a["language"]) for a in english["articles"]} == {
        ("Broken streetlight", "en"), ("Streetlight on a private road", "en")}

    set_locale(session, people["csu"], "sv")
    session.commit()
    swedish = client.get("/intake?q=gatubelysning").get_data(as_text=True)
    assert '<h3 class="kb-title" lang="sv">Trasig gatubelysning</h3>' in swedish
    assert "Broken streetlight" not in swedish and "1 artikel hittades." in swedish
    # an English word: nothing Swedish matches, so the English articles, each marked
    fallback = client.get("/intake/kb?q=streetlight").get_data(as_text=True)
    assert '<h3 class="kb-title" lang="en">Broken streetlight</h3>' in fallback
    assert fallback.count('<p class="kb-language">På engelska</p>') == 2
    assert "Inget på ditt språk passar; 2 artiklar på andra språk hittades." in fallback


def test_an_article_that_did_not_help_is_counted_with_or_without_javascript(
        client: FlaskClient, session: Session, people: dict[str, User], articles: dict[str, Article]) -> None:
    article = articles["Reporting a pothole"]
    login(client, "csu")
    token = csrf_token(client, "/intake")
    path = f"/intake/kb/{article.id}/not-helpful"

    scripted = client.post(path, headers={"Accept": "application/json", "X-CSRFToken": token})
    plain = client.post(path, data={"csrf_token": token, **REQUEST, "q": "pothole"})

    assert scripted.status_code == 200 and scripted.get_json()["article"]["not_helpful_count"] == 1
    assert plain.status_code == 200
    page = plain.get_data(as_text=True)
    assert "did not help" in page and "Ekvägen 3" in page
    session.refresh(article)
    assert article.not_helpful_count == 2
    logged = session.scalars(select(Event).where(Event.kind == "kb_not_helpful")).all()
    assert [e.details for e in logged] == [{"article_id": article.id}] * 2


def test_officers_cannot_rate_articles(client: FlaskClient, people: dict[str, User],
                                       articles: dict[str, Article]) -> None:
    login(client, "officer")
    article = articles["Reporting a pothole"]

    response = client.post(f"/intake/kb/{article.id}/not-helpful",
                           data={"csrf_token": csrf_token(client, "/inbox")})

    assert response.status_code == 403
