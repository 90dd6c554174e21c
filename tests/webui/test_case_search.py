"""Case search: by citizen, reference, id, description, office and state; visibility; paging; bad filters."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from processes.cases import cancel_case, search_cases
from processes.errors import InvalidFormData
from processes.models import Case, User
from tests.cases_factory import handed_over, resolved_at_once

from .conftest import login

pytestmark = pytest.mark.usefixtures("deployed")


def found(client: FlaskClient, query: str) -> list[str]:
    """The references listed on the results page for `query`."""
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return re.findall(r'<a href="/cases/\d+">(CR-\d{4}-\d{6})</a>', response.get_data(as_text=True))


@pytest.fixture
def three(session: Session, people: dict[str, User]) -> dict[str, Case]:
    """Alva's pothole (open, streets_parks), Nils's missed bin (open, waste), Sara's closed streetlight."""
    return {
        "alva": handed_over(session, people),
        "nils": handed_over(session, people, citizen_name="Nils Ek", citizen_email="nils@example.org",
                            category="missed_collection", description="The green bin was not emptied"),
        "sara": resolved_at_once(session, people, citizen_name="Sara Lind", citizen_email="sara@example.org",
                                 category="streetlight", description="Lamp post 12 is dark"),
    }


def test_search_by_citizen_name_email_and_description_text(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "csu")
    assert found(client, "q=nils") == [three["nils"].business_key]
    assert found(client, "q=SARA%40example") == [three["sara"].business_key]
    assert found(client, "q=green+bin") == [three["nils"].business_key]
    assert found(client, "q=nobody+at+all") == []


def test_search_by_reference_and_case_number(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "csu")
    alva = three["alva"]
    assert found(client, f"q={alva.business_key}") == [alva.business_key]
    assert found(client, f"q={str(alva.business_key).lower()}") == [alva.business_key]
    assert alva.business_key in found(client, f"q=%23{alva.id}")


def test_filter_by_office_and_state_newest_first(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "admin")
    assert found(client, "office=waste") == [three["nils"].business_key]
    assert found(client, "status=closed") == [three["sara"].business_key]
    assert found(client, "status=open") == [three["nils"].business_key, three["alva"].business_key]
    assert found(client, "") == [three[n].business_key for n in ("sara", "nils", "alva")]


def test_officers_find_only_the_cases_of_their_offices(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "waste_officer")
    assert found(client, "") == [three["nils"].business_key]
    assert found(client, "q=alva") == []


def test_unknown_filter_values_get_a_clear_message(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "csu")
    response = client.get("/cases?status=banana&office=nowhere")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "There is no state “banana”" in page
    assert "There is no office “nowhere”" in page
    assert 'role="alert"' in page


def test_wildcards_in_the_text_are_taken_literally(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "csu")
    assert found(client, "q=%25") == []
    assert found(client, "q=_") == []


def test_results_come_in_pages_with_a_next_link(client: FlaskClient, three: dict[str, Case]) -> None:
    login(client, "csu")
    page = client.get("/cases?status=open&limit=1").get_data(as_text=True)
    assert re.findall(r"(CR-\d{4}-\d{6})</a>", page) == [three["nils"].business_key]
    next_link = re.search(r'href="(/cases\?[^"]+)" rel="next"', page)
    assert next_link, "no link to the next page"
    second = client.get(html.unescape(next_link.group(1))).get_data(as_text=True)
    assert re.findall(r"(CR-\d{4}-\d{6})</a>", second) == [three["alva"].business_key]
    assert 'rel="next"' not in second and "First page" in second


def test_search_cases_keyset_pages_and_cancelled_state(session: Session, people: dict[str, User],
                                                      three: dict[str, Case]) -> None:
    cancel_case(session, people["admin"], three["alva"].id, "duplicate")
    session.commit()
    first = search_cases(session, people["admin"], limit=2)
    assert [c.id for c in first.cases] == [three["sara"].id, three["nils"].id]
    rest = search_cases(session, people["admin"], limit=2, after=first.next_after)
    assert ([c.id for c in rest.cases], rest.next_after) == ([three["alva"].id], None)
    assert [c.id for c in search_cases(session, people["admin"], status="cancelled").cases] == [three["alva"].id]


def test_search_cases_names_the_unknown_filter(session: Session, people: dict[str, User]) -> None:
    with pytest.raises(InvalidFormData) as raised:
        search_cases(session, people["admin"], status="banana")
    assert set(raised.value.errors) == {"status"}
