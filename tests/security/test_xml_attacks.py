"""XML attacks in uploaded process files are refused wherever files come in: the validator,
deploy_version, the modeler's upload route and the REST deploy endpoint. Nothing is expanded, nothing
is read from disk or the network, nothing is stored, and each refusal is quick."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from xml_corpus import ATTACKS, ENCODED_ATTACKS, ENCODINGS, STYLESHEET_PI, encoded

from engine import validate
from processes.apikeys import create_api_key
from processes.deployments import deploy_version
from processes.drafts import create_draft, draft_problems, get_draft
from processes.errors import ProcessNotDeployable
from processes.models import User
from processes.unit import Database
from tests.conftest import BPMN_DIR, create_user
from webui.app import create_app
from webui.cli import main

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
def cli_db(db: Database) -> str:
    return db.url


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


# -- the same attacks in other encodings, and NUL, through every way a file comes in ----------------------

ENCODED = [(name, encoding) for name in ENCODED_ATTACKS for encoding in ENCODINGS]


@pytest.mark.parametrize(("name", "encoding"), ENCODED)
def test_the_cli_decodes_before_it_checks(name: str, encoding: str, secret_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "attack.bpmn"
    path.write_bytes(encoded(attack(name, secret_file), encoding))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{path}:-: DOCTYPE declarations are not allowed"], result.output
    assert SECRET not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_process_saved_in_utf16_or_utf32_validates_and_deploys(encoding: str, tmp_path: Path,
                                                                 cli_db: str) -> None:
    for source in (BPMN_DIR / "citizen_request.bpmn", BPMN_DIR / "route_request.dmn"):
        (tmp_path / source.name).write_bytes(encoded(source.read_text(), encoding))
    shutil.copytree(BPMN_DIR / "forms", tmp_path / "forms")
    assert CliRunner().invoke(main, ["validate", str(tmp_path)]).exit_code == 0
    deployed = CliRunner().invoke(main, ["--db", cli_db, "deploy", str(tmp_path)])
    assert deployed.exit_code == 0 and deployed.stdout.startswith("citizen_request"), deployed.output


@pytest.mark.parametrize("content", [b'<?xml version="1.0" encoding="UTF-8"?>\n<a>x\x00y</a>',
                                     "<a>x\x00y</a>".encode("utf-16-le"), b"\xff\xfe<\x00a\x00/\x00>\x00\x00\x00"])
def test_the_cli_refuses_nul_in_one_line(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "nul.bpmn"
    path.write_bytes(content)
    for command in ("validate", "deploy"):
        result = CliRunner().invoke(main, [command, str(path)])
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.splitlines() == [f"error: {path}: the file contains NUL (0x00) characters"], result.output


def test_the_upload_route_decodes_before_it_checks(
    web: tuple[FlaskClient, str], session: Session, people: dict[str, User], secret_file: Path
) -> None:
    client, api_key = web
    before = dict(get_draft(session, people["admin"], "uploads").files)
    for name, encoding in ENCODED:
        upload = client.post("/modeler/uploads/upload", content_type="multipart/form-data",
                             data={"files": (io.BytesIO(encoded(attack(name, secret_file), encoding)), "a.bpmn")})
        assert upload.status_code == 422, (name, encoding, upload.status_code)
        assert "DOCTYPE declarations are not allowed" in upload.get_data(as_text=True)
    for content in (b"<a>x\x00y</a>", "<a>x\x00y</a>".encode("utf-16-le")):
        upload = client.post("/modeler/uploads/upload", content_type="multipart/form-data",
                             data={"files": (io.BytesIO(content), "nul.bpmn")})
        assert upload.status_code == 422 and "NUL" in upload.get_data(as_text=True)
    form_with_nul = client.post("/modeler/uploads/upload", content_type="multipart/form-data",
                                data={"files": (io.BytesIO(b'{"components": [], "x": "\x00"}'), "f.form")})
    assert form_with_nul.status_code == 422
    session.expire_all()
    assert get_draft(session, people["admin"], "uploads").files == before
    good = encoded((BPMN_DIR / "citizen_request.bpmn").read_text(), "utf-16-le")
    upload = client.post("/modeler/uploads/upload", content_type="multipart/form-data",
                         data={"files": (io.BytesIO(good), "citizen_request.bpmn")})
    assert upload.status_code == 302
    session.expire_all()
    stored = get_draft(session, people["admin"], "uploads").files["citizen_request.bpmn"]
    assert stored.startswith('<?xml version="1.0" encoding="UTF-8"?>') and "\x00" not in stored


def test_the_rest_api_refuses_nul_and_doctype_in_file_text(web: tuple[FlaskClient, str], secret_file: Path) -> None:
    client, api_key = web
    headers = {"Authorization": f"Bearer {api_key}"}
    for body in ("<a>x\x00y</a>", attack("XXE SYSTEM", secret_file).encode("utf-16-le").decode("latin-1")):
        deploy = client.post("/api/processes", json={"files": {"attack.bpmn": body}}, headers=headers)
        assert deploy.status_code == 422, deploy.status_code
        assert SECRET not in deploy.get_data(as_text=True)
