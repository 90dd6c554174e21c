"""XML attacks in uploaded process files are refused wherever files come in: the validator,
deploy_version, the modeler's upload route and the REST deploy endpoint. Nothing is expanded, nothing
is read from disk or the network, nothing is stored, and each refusal is quick."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from xml_corpus import ATTACKS, STYLESHEET_PI

from engine import validate
from processes.apikeys import create_api_key
from processes.deployments import deploy_version
from processes.drafts import create_draft, draft_problems, get_draft
from processes.errors import ProcessNotDeployable
from processes.models import User
from processes.unit import Database
from tests.conftest import create_user
from webui.app import create_app

SECRET = "onestop-secret-7f3a"
NAMES = sorted(ATTACKS)


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xml") / "secret.txt"
    path.write_text(SECRET)
    return path


def attack(name: str, secret_file: Path) -> str:
    return ATTACKS[name].replace("SECRET", str(secret_file))


@pytest.mark.parametrize("name", NAMES)
def test_validator_refuses_the_attack_quickly_without_reading_anything(name: str, secret_file: Path) -> None:
    started = time.monotonic()
    problems = validate({"attack.bpmn": attack(name, secret_file)})
    assert problems
    assert time.monotonic() - started < 10
    assert len(problems) <= 25  # a file cannot make the validator list 100,000 problems
    assert SECRET not in repr(problems)


def test_a_stylesheet_instruction_is_inert(secret_file: Path) -> None:
    problems = validate({"attack.bpmn": STYLESHEET_PI.replace("SECRET", str(secret_file))})
    assert SECRET not in repr(problems)


def test_deploy_version_refuses_every_attack(session: Session, people: dict[str, User], secret_file: Path) -> None:
    for name in NAMES:
        with pytest.raises(ProcessNotDeployable) as refused:
            deploy_version(session, people["admin"], {"attack.bpmn": attack(name, secret_file)})
        assert SECRET not in str(refused.value.problems), name
        session.rollback()


@pytest.fixture
def web(db: Database, session: Session, people: dict[str, User]) -> Iterator[tuple[FlaskClient, str]]:
    """An analyst logged in to the modeler, with a draft to upload into; and an admin's API key."""
    create_user(session, "analyst", ["analyst"])
    create_draft(session, people["admin"], "uploads", "Uploads")
    _, api_key = create_api_key(session, people["admin"], "deployer", people["admin"])
    session.commit()
    app: Flask = create_app({"DATABASE_URL": db.url, "TESTING": True, "SECRET_KEY": "t",
                             "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert client.post("/login", data={"username": "analyst", "password": "pw"}).status_code == 302
    yield client, api_key
    app.extensions["onestop.db"].dispose()


def test_upload_route_and_api_refuse_every_attack(
    web: tuple[FlaskClient, str], session: Session, people: dict[str, User], secret_file: Path
) -> None:
    """The upload refuses what parse_xml refuses (413/422, the draft unchanged). What parses but breaks the
    schema (an XInclude element, never processed) may sit in a draft, flagged, as any work in progress
    may; it cannot be deployed."""
    client, api_key = web
    for name in NAMES:
        body = attack(name, secret_file)
        before = dict(get_draft(session, people["admin"], "uploads").files)
        upload = client.post("/modeler/uploads/upload", content_type="multipart/form-data",
                             data={"files": (io.BytesIO(body.encode()), "attack.bpmn")})
        assert SECRET not in upload.get_data(as_text=True)
        session.expire_all()
        draft = get_draft(session, people["admin"], "uploads")
        if upload.status_code == 302:
            flagged = [p for p in draft_problems(draft) if p["file"] == "attack.bpmn"]
            assert flagged and SECRET not in repr(flagged), name
        else:
            assert upload.status_code in (413, 422), (name, upload.status_code)
            assert draft.files == before, name
        deploy = client.post("/api/processes", json={"files": {"attack.bpmn": body}},
                             headers={"Authorization": f"Bearer {api_key}"})
        assert deploy.status_code in (413, 422), (name, deploy.status_code)
        assert SECRET not in deploy.get_data(as_text=True)
