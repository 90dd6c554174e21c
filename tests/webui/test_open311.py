"""Open311 GeoReport v2 at /open311/v2/, held against the shapes of the specification's examples.

The example documents below have the element names, nesting and order of the examples on
wiki.open311.org/GeoReport_v2 (with our own values): our responses must have the same shape.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.apikeys import create_api_key, revoke_api_key
from processes.models import Case, Task, User
from tests.cases_factory import handed_over, resolved_at_once

SERVICES_XML = """<?xml version="1.0" encoding="utf-8"?>
<services>
    <service>
        <service_code>001</service_code>
        <service_name>Bin left out</service_name>
        <description>A bin left on the pavement after collection.</description>
        <metadata>true</metadata>
        <type>realtime</type>
        <keywords>bin, waste</keywords>
        <group>sanitation</group>
    </service>
</services>"""
SERVICE_DEFINITION_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_definition>
    <service_code>001</service_code>
    <attributes/>
</service_definition>"""
CREATED_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>1</service_request_id>
        <service_notice>We will look at it.</service_notice>
        <account_id/>
    </request>
</service_requests>"""
REQUESTS_XML = """<?xml version="1.0" encoding="utf-8"?>
<service_requests>
    <request>
        <service_request_id>1</service_request_id>
        <status>open</status>
        <status_notes></status_notes>
        <service_name>Bin left out</service_name>
        <service_code>001</service_code>
        <description></description>
        <agency_responsible></agency_responsible>
        <service_notice></service_notice>
        <requested_datetime>2010-04-14T06:37:38-08:00</requested_datetime>
        <updated_datetime>2010-04-14T06:37:38-08:00</updated_datetime>
        <expected_datetime>2010-04-15T06:37:38-08:00</expected_datetime>
        <address>Storgatan 4</address>
        <address_id>1</address_id>
        <zipcode>11122</zipcode>
        <lat>59.33</lat>
        <long>18.06</long>
        <media_url>https://example.org/1.jpg</media_url>
    </request>
</service_requests>"""
ERRORS_XML = """<?xml version="1.0" encoding="utf-8"?>
<errors>
    <error>
        <code>403</code>
        <description>Invalid api_key received.</description>
    </error>
</errors>"""
W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")
REPORT = {"service_code": "pothole", "lat": "59.3293", "long": "18.0686", "address_string": "Storgatan 4, Stockholm",
          "email": "reporter@example.org", "first_name": "Nils", "last_name": "Ek",
          "description": "A large hole in the cycle lane", "media_url": "https://example.org/hole.jpg",
          "device_id": "tt222111", "phone": "0701234567"}


def shape(xml: bytes | str) -> Any:
    """Element names and nesting, first of each kind, in document order."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)

    def walk(element: Any) -> Any:
        return (element.tag, [walk(child) for child in element[:1]] if element.tag in
                ("services", "service_requests", "errors") else [walk(child) for child in element])

    return walk(root)


def keys_of(xml: str) -> list[str]:
    """The field names of the first item of an example, as its JSON object would have them."""
    return [child.tag for child in etree.fromstring(xml.encode())[0]]


@pytest.fixture
def api_key(session: Session, people: dict[str, User]) -> str:
    _, plaintext = create_api_key(session, None, "city app")
    session.commit()
    return plaintext


def report(client: FlaskClient, api_key: str, fmt: str = "json", **fields: str) -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", data={"api_key": api_key, **REPORT, **fields})


def test_service_list_has_the_fields_and_types_of_the_specification(client: FlaskClient) -> None:
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200 and response.content_type == "application/json; charset=utf-8"
    services = response.get_json()
    assert [s["service_code"] for s in services][:2] == ["pothole", "streetlight"]
    for service in services:
        assert list(service) == keys_of(SERVICES_XML)
        assert service["metadata"] is False and service["type"] == "realtime"
        assert all(isinstance(service[k], str) for k in ("service_name", "description", "keywords", "group"))
    pothole = services[0]
    assert (pothole["service_name"], pothole["group"]) == ("Pothole", "Streets Parks")
    assert "pothole" in pothole["keywords"].split(", ")


def test_service_list_in_xml_has_the_shape_of_the_specification(client: FlaskClient) -> None:
    response = client.get("/open311/v2/services.xml?jurisdiction_id=onestop.example")
    assert response.status_code == 200 and response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services>')
    assert shape(response.data) == shape(SERVICES_XML)
    assert etree.fromstring(response.data).findtext("service/metadata") == "false"


def test_service_definition_has_no_extra_attributes(client: FlaskClient) -> None:
    assert client.get("/open311/v2/services/pothole.json").get_json() == {"service_code": "pothole",
                                                                          "attributes": []}
    assert shape(client.get("/open311/v2/services/pothole.xml").data) == shape(SERVICE_DEFINITION_XML)


@pytest.mark.parametrize("path", ["/open311/v2/services/dragons.json", "/open311/v2/requests/CR-1-1.json",
                                  "/open311/v2/services.html"])
def test_unknown_things_are_404_in_the_error_format(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    if path.endswith(".json"):
        [error] = response.get_json()
        assert set(error) == {"code", "description"} and error["code"] == 404
    else:
        assert shape(response.data) == shape(ERRORS_XML)


def test_reporting_needs_a_valid_api_key(client: FlaskClient, session: Session, people: dict[str, User]) -> None:
    key, plaintext = create_api_key(session, None, "soon revoked")
    session.commit()
    missing = client.post("/open311/v2/requests.json", data=REPORT)
    assert missing.status_code == 403 and missing.get_json()[0]["code"] == 403
    wrong = report(client, "os_wrong", "xml")
    assert wrong.status_code == 403 and shape(wrong.data) == shape(ERRORS_XML)
    assert "Invalid api_key" in etree.fromstring(wrong.data).findtext("error/description")
    revoke_api_key(session, people["admin"], key.id)
    session.commit()
    assert report(client, plaintext).status_code == 403


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"service_code": ""}, 400, "service_code was not provided"),
    ({"service_code": "dragons"}, 404, "service_code 'dragons'"),
    ({"lat": "", "long": "", "address_string": ""}, 400, "a location is required"),
    ({"long": ""}, 400, "long must be a number"),
    ({"lat": "91"}, 400, "lat must be between"),
    ({"email": "not an address"}, 400, ""),
])
def test_reporting_checks_its_arguments(client: FlaskClient, api_key: str, fields: dict[str, str], status: int,
                                        words: str) -> None:
    response = report(client, api_key, **fields)
    assert response.status_code == status
    errors = response.get_json()
    assert errors and all(e["code"] == status for e in errors)
    assert words in " ".join(e["description"] for e in errors)


def test_a_reported_request_goes_straight_to_its_office(client: FlaskClient, session: Session,
                                                        api_key: str) -> None:
    response = report(client, api_key)
    assert response.status_code == 201
    [created] = response.get_json()
    assert list(created) == keys_of(CREATED_XML) and created["account_id"] is None
    case = session.scalars(select(Case).where(Case.business_key == created["service_request_id"])).one()
    assert (case.channel, case.category, case.office, case.citizen_name) == ("app", "pothole", "streets_parks",
                                                                             "Nils Ek")
    assert case.data["open311"]["lat"] == 59.3293 and case.data["open311"]["api_key"] == "city app"
    assert "Storgatan 4" in case.data["description"]
    [task] = session.scalars(select(Task).where(Task.case_id == case.id, Task.status == "open")).all()
    assert (task.element_id, task.group_name) == ("handle_request", "streets_parks")
    assert "Streets Parks" in created["service_notice"]
    xml = report(client, api_key, "xml", address_string="", lat="59.3", long="18.1")
    assert xml.status_code == 201 and shape(xml.data) == shape(CREATED_XML)


def test_one_request_has_the_fields_of_the_specification(client: FlaskClient, api_key: str) -> None:
    [created] = report(client, api_key).get_json()
    ref = created["service_request_id"]
    [request] = client.get(f"/open311/v2/requests/{ref}.json").get_json()
    assert list(request) == keys_of(REQUESTS_XML)
    assert (request["status"], request["service_code"], request["service_name"]) == ("open", "pothole", "Pothole")
    assert request["agency_responsible"] == "Streets Parks" and request["address"] == "Storgatan 4, Stockholm"
    assert (request["lat"], request["long"]) == (59.3293, 18.0686)
    assert request["media_url"] == "https://example.org/hole.jpg"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.fullmatch(request[field]), field
    assert shape(client.get(f"/open311/v2/requests/{ref}.xml").data) == shape(REQUESTS_XML)


def test_requests_are_filtered_as_the_specification_says(client: FlaskClient, session: Session,
                                                         people: dict[str, User], api_key: str) -> None:
    pothole = report(client, api_key).get_json()[0]["service_request_id"]
    bin_ref = report(client, api_key, service_code="missed_collection").get_json()[0]["service_request_id"]
    desk = handed_over(session, people, category="streetlight").business_key
    closed = resolved_at_once(session, people, category="streetlight").business_key

    def refs(query: str) -> list[str]:
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.data
        return [r["service_request_id"] for r in response.get_json()]

    assert refs("") == [closed, desk, bin_ref, pothole]
    assert refs("service_code=pothole,missed_collection") == [bin_ref, pothole]
    assert refs("status=closed") == [closed]
    assert refs("status=open&service_code=pothole") == [pothole]
    assert refs(f"service_request_id={pothole},{desk}&status=closed") == [desk, pothole]
    assert refs("start_date=2010-01-01T00:00:00Z&end_date=2010-03-01T00:00:00Z") == []
    assert refs("end_date=2999-01-01T00:00:00Z") == []


@pytest.mark.parametrize("query", ["start_date=yesterday", "end_date=2010-01-01T00:00:00",
                                   "start_date=2010-01-01T00:00:00Z&end_date=2010-06-01T00:00:00Z",
                                   "start_date=2010-02-01T00:00:00Z&end_date=2010-01-01T00:00:00Z", "status=lost"])
def test_bad_filters_are_400_in_the_error_format(client: FlaskClient, query: str) -> None:
    response = client.get(f"/open311/v2/requests.xml?{query}")
    assert response.status_code == 400
    assert shape(response.data) == shape(ERRORS_XML)


@pytest.mark.parametrize("path", ["/open311/v2/requests.json?service_code=pot%00hole",
                                  "/open311/v2/requests/CR%00.json"])
def test_text_with_nul_bytes_is_a_400(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400 and "NUL" in response.get_json()[0]["description"]


def test_a_report_with_nul_bytes_is_a_400(client: FlaskClient, api_key: str) -> None:
    assert report(client, api_key, first_name="N\x00ils").status_code == 400


def test_requests_taken_at_the_desk_show_no_personal_text(client: FlaskClient, session: Session,
                                                          people: dict[str, User]) -> None:
    ref = handed_over(session, people).business_key
    [request] = client.get(f"/open311/v2/requests/{ref}.json").get_json()
    assert request["description"] is None and request["address"] is None and request["lat"] is None
    assert "Alva" not in str(request) and "alva@" not in str(request)
