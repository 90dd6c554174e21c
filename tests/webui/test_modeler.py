"""The modeler pages: drafts listed, opened, saved with validation, uploaded and downloaded."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from processes.models import ProcessDraft, User
from processes.users import ensure_user
from tests.processes.test_drafts import BILLION_LAUGHS, XXE

from .conftest import csrf_token, login


@pytest.fixture
def analyst(session: Session, people: dict[str, User]) -> User:
    user = ensure_user(session, "analyst", display_name="Anders Analyst", roles=["analyst"], password="pw")
    session.commit()
    return user


@pytest.fixture
def editing(client: FlaskClient, analyst: User) -> str:
    """An analyst logged in with a draft of citizen_request open; returns the CSRF token."""
    login(client, "analyst")
    token = csrf_token(client, "/modeler")
    assert client.post("/modeler/citizen_request/draft", data={"csrf_token": token}).status_code == 302
    return token


def test_analyst_lands_on_the_modeler_and_sees_the_deployed_process(client: FlaskClient, analyst: User) -> None:
    login(client, "analyst")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "<h1>Processes</h1>" in page and "citizen_request" in page and "version 1" in page


@pytest.mark.parametrize("username", ["officer", "csu", "manager"])
def test_the_modeler_is_for_analysts_and_admins_only(client: FlaskClient, username: str) -> None:
    login(client, username)
    assert client.get("/modeler").status_code == 403
    assert client.get("/modeler/citizen_request").status_code == 403


def test_editor_page_opens_the_bpmn_with_its_properties_panel(client: FlaskClient, editing: str) -> None:
    page = client.get("/modeler/citizen_request").get_data(as_text=True)
    assert 'id="os-properties"' in page and "dist/modeler.js" in page
    assert "No problems: this draft can be deployed." in page
    config = _config(page)
    assert (config["kind"], config["file"]) == ("bpmn", "citizen_request.bpmn")
    assert config["content"].startswith("<?xml")


def test_a_swedish_analyst_sees_the_process_by_its_swedish_name(
        client: FlaskClient, analyst: User, session: Session) -> None:
    from processes.users import set_locale

    set_locale(session, analyst, "sv")
    session.commit()
    login(client, "analyst")
    assert "<h1>Invånarärende <span" in client.get("/modeler/citizen_request").get_data(as_text=True)  # no draft
    token = csrf_token(client, "/modeler")
    assert client.post("/modeler/citizen_request/draft", data={"csrf_token": token}).status_code == 302
    assert "<h1>Invånarärende <span" in client.get("/modeler/citizen_request").get_data(as_text=True)  # the draft


def test_forms_tab_opens_the_form_editor_for_the_chosen_form(client: FlaskClient, editing: str) -> None:
    page = client.get("/modeler/citizen_request?file=forms/handle_request.form").get_data(as_text=True)
    config = _config(page)
    assert (config["kind"], config["file"]) == ("form", "forms/handle_request.form")
    assert config["saveUrl"] == "/modeler/citizen_request/files/forms/handle_request.form"


def test_saving_a_file_returns_the_problems_the_editor_marks(
    client: FlaskClient, editing: str, session: Session
) -> None:
    xml = _config(client.get("/modeler/citizen_request").get_data(as_text=True))["content"]
    broken = xml.replace('value="handle_request.form"', 'value="gone.form"')

    response = client.post("/modeler/citizen_request/files/citizen_request.bpmn", json={"content": broken},
                           headers={"X-CSRFToken": editing})

    assert response.status_code == 200
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if 'id="handle_request"' in text)
    assert response.json["problems"] == [{"file": "citizen_request.bpmn", "element_id": "handle_request",
                                          "message": "form file 'gone.form' is missing", "line": line}]
    draft = session.scalars(select(ProcessDraft)).one()
    assert draft.files["citizen_request.bpmn"] == broken
    assert client.get("/modeler/citizen_request/validate").json["problems"] == response.json["problems"]


def test_saving_without_the_csrf_token_is_refused(client: FlaskClient, editing: str) -> None:
    response = client.post("/modeler/citizen_request/files/citizen_request.bpmn", json={"content": "<a/>"})
    assert response.status_code == 400


def test_upload_adds_a_form_and_download_gives_it_back(client: FlaskClient, editing: str) -> None:
    form = json.dumps({"type": "default", "components": [{"type": "textfield", "key": "note", "label": "Note"}]})
    response = client.post("/modeler/citizen_request/upload", content_type="multipart/form-data", data={
        "csrf_token": editing, "files": [(io.BytesIO(form.encode()), "note.form")]})
    assert response.status_code == 302 and "file=forms/note.form" in response.headers["Location"]

    single = client.get("/modeler/citizen_request/files/forms/note.form")
    assert single.get_data(as_text=True) == form
    assert single.headers["Content-Disposition"] == 'attachment; filename="note.form"'
    archive = zipfile.ZipFile(io.BytesIO(client.get("/modeler/citizen_request/download").data))
    assert "forms/note.form" in archive.namelist() and "route_request.dmn" in archive.namelist()


@pytest.mark.parametrize("filename, content, message", [
    ("route_request.dmn", BILLION_LAUGHS.encode(), "DOCTYPE declarations are not allowed"),
    ("citizen_request.bpmn", XXE.encode(), "DOCTYPE declarations are not allowed"),
    ("citizen_request.bpmn", b"<bpmn:definitions><unclosed>", "XML syntax error"),
    ("citizen_request.bpmn", b"<a>" + b"x" * (1024 * 1024) + b"</a>", "larger than 1024 KB"),
    ("citizen_request.bpmn", "<a>\u00e5</a>".encode("latin-1"), "not UTF-8"),
])
def test_bad_uploads_are_refused_with_a_message_and_nothing_is_stored(
    client: FlaskClient, editing: str, session: Session, filename: str, content: bytes, message: str
) -> None:
    before = dict(session.scalars(select(ProcessDraft)).one().files)
    good = io.BytesIO(b'{"components": []}')

    response = client.post("/modeler/citizen_request/upload", content_type="multipart/form-data", data={
        "csrf_token": editing, "files": [(good, "extra.form"), (io.BytesIO(content), filename)]})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(ProcessDraft)).one().files == before
    assert b"root:" not in response.data


def test_a_request_over_the_size_limit_is_refused(client: FlaskClient, editing: str, session: Session) -> None:
    huge = io.BytesIO(b"<a>" + b"x" * (3 * 1024 * 1024) + b"</a>")
    response = client.post("/modeler/citizen_request/upload", content_type="multipart/form-data",
                           data={"csrf_token": editing, "files": [(huge, "citizen_request.bpmn")]})
    assert response.status_code == 413
    assert "forms/extra.form" not in session.scalars(select(ProcessDraft)).one().files


def test_analyst_creates_a_process_from_scratch(client: FlaskClient, analyst: User) -> None:
    login(client, "analyst")
    response = client.post("/modeler", data={"csrf_token": csrf_token(client, "/modeler"), "key": "parking_permit",
                                             "name": "Parking permit"})
    assert response.status_code == 302 and response.headers["Location"] == "/modeler/parking_permit"
    assert _config(client.get("/modeler/parking_permit").get_data(as_text=True))["problems"] == []


def _config(page: str) -> dict[str, object]:
    start = page.index('<script type="application/json" id="os-editor-config">') + len(
        '<script type="application/json" id="os-editor-config">')
    return json.loads(page[start:page.index("</script>", start)])  # type: ignore[no-any-return]
