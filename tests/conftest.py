"""Shared fixtures: real databases (SQLite and the PostgreSQL on 127.0.0.1:5432), real objects.

Every test that takes `db` runs once per backend. The schema is migrated once per backend and
run; after each test every table is emptied, so tests may commit like the application does.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from processes.db import database_url, make_engine, upgrade
from processes.deployments import deploy_version
from processes.files import read_process_files
from processes.models import Base, User
from processes.unit import Database
from processes.users import add_member, ensure_group, ensure_user

ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = ROOT / "bpmn"
PG_URL_ENV_VAR = "ONESTOP_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
OFFICES = ("streets_parks", "building_permits", "social_services", "education", "waste")


@dataclass(frozen=True)
class PgSchema:
    """A throwaway schema in the test database; `url` points the search_path at it."""

    server_url: str
    name: str

    @property
    def url(self) -> str:
        url = make_url(self.server_url).update_query_dict({"options": f"-csearch_path={self.name}"})
        return url.render_as_string(hide_password=False)

    def recreate(self, engine: Engine) -> None:
        with engine.begin() as connection:
            # A session left open by a test would block the DROP; fail instead of hanging.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))

    def drop(self, engine: Engine) -> None:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Engine]:
    """An engine on the test PostgreSQL server ($ONESTOP_TEST_PG_URL).

    Skipped when the server is down on a developer machine; under CI=true that is a failure."""
    server_url = database_url(os.environ.get(PG_URL_ENV_VAR, DEFAULT_PG_URL))
    engine = make_engine(server_url)
    reason = None
    try:
        with engine.connect():
            pass
    except OperationalError as err:
        engine.dispose()
        reason = f"PostgreSQL unreachable at {make_url(server_url)!r}: {str(err.orig).splitlines()[0]}"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(reason)
    yield engine
    engine.dispose()


def new_pg_schema(pg_server: Engine) -> PgSchema:
    schema = PgSchema(pg_server.url.render_as_string(hide_password=False),
                      f"onestop_test_{secrets.token_hex(4)}")
    schema.recreate(pg_server)
    return schema


@pytest.fixture(scope="session")
def pg_schema(pg_server: Engine) -> Iterator[PgSchema]:
    """One schema per test session, so tests never meet other data in the shared database."""
    schema = new_pg_schema(pg_server)
    yield schema
    schema.drop(pg_server)


@pytest.fixture(scope="session")
def pg_migrated_url(pg_server: Engine) -> Iterator[str]:
    """A PostgreSQL schema migrated to head, once per run."""
    schema = new_pg_schema(pg_server)
    upgrade(schema.url)
    yield schema.url
    schema.drop(pg_server)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, once per backend and run."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_migrated_url"))
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'onestop.db'}"
    upgrade(url)
    return url


def emptied(url: str) -> Iterator[Database]:
    database = Database(url)
    yield database
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))
    database.dispose()


@pytest.fixture
def db(migrated_url: str) -> Iterator[Database]:
    """The application's Database on a migrated, empty database; emptied again afterwards."""
    yield from emptied(migrated_url)


@pytest.fixture
def pg_db(pg_migrated_url: str) -> Iterator[Database]:
    """Like `db`, on PostgreSQL only: for what only the scale-out deployment does."""
    yield from emptied(pg_migrated_url)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.sessions() as session:
        yield session
        session.rollback()


@functools.cache
def password_hash(password: str) -> str:
    """Hashing is slow on purpose; tests hash each password once."""
    return generate_password_hash(password)


def create_user(session: Session, username: str, roles: list[str], groups: tuple[str, ...] = (),
                manager: bool = False) -> User:
    """A user with a password 'pw' and memberships in `groups` (created when missing)."""
    user = ensure_user(session, username, display_name=username.title(), roles=roles)
    user.password_hash = password_hash("pw")
    for name in groups:
        group = ensure_group(session, name, name.replace("_", " ").title(), "csu" if name == "csu" else "office")
        add_member(session, user, group, manager=manager)
    return user


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    """The reference cast: a CSU agent, officers and a manager of streets_parks, an admin."""
    cast = {
        "csu": create_user(session, "csu", ["csu_agent"], ("csu",)),
        "officer": create_user(session, "officer", ["officer"], ("streets_parks",)),
        "officer2": create_user(session, "officer2", ["officer"], ("streets_parks",)),
        "manager": create_user(session, "manager", ["manager"], ("streets_parks",), manager=True),
        "waste_officer": create_user(session, "waste_officer", ["officer"], ("waste",)),
        "admin": create_user(session, "admin", ["admin"]),
    }
    for office in OFFICES:
        ensure_group(session, office, office.replace("_", " ").title())
    session.commit()
    return cast


@pytest.fixture
def deployed(session: Session, people: dict[str, User]) -> None:
    """The shipped processes in bpmn/, deployed."""
    files, _ = read_process_files([BPMN_DIR])
    deploy_version(session, people["admin"], files)
    session.commit()
