"""The schema: alembic builds it, it matches the models, and it behaves the same on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from processes.db import (
    DatabaseUnavailable,
    current_revision,
    database_url,
    downgrade,
    head_revision,
    make_engine,
    session_factory,
    upgrade,
)
from processes.knowledge import is_search_object, search_articles
from processes.models import Article, Base, Case, ProcessVersion, Timer


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or the session's PostgreSQL schema
    (emptied again after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'onestop.db'}"
        return
    schema = request.getfixturevalue("pg_schema")
    yield schema.url
    schema.recreate(request.getfixturevalue("pg_server"))


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# --- Helpers -------------------------------------------------------------------------------------


def not_search_object(_object: Any, name: str | None, _type: str, _reflected: bool, _compare_to: Any) -> bool:
    """The knowledge-base search (an FTS5 table, a GIN expression index) lives outside the models."""
    return not is_search_object(name)


def add_case(session: Session) -> Case:
    version = ProcessVersion(key="citizen_request", version=1, name="Citizen request",
                             content_hash="0" * 64, status="deployed")
    session.add(version)
    session.flush()
    case = Case(version_id=version.id, process_key=version.key, data={"category": "pothole"})
    session.add(case)
    session.flush()
    return case


# --- Tests ---------------------------------------------------------------------------------------


def test_upgrade_creates_every_table(db_url: str) -> None:
    assert current_revision(db_url) is None

    upgrade(db_url)

    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {t for t in tables if not is_search_object(t)} == set(Base.metadata.tables) | {"alembic_version"}
    assert current_revision(db_url) == head_revision() is not None


def test_upgrade_of_an_up_to_date_database_changes_nothing(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)

    assert current_revision(db_url) == head_revision()


def test_migrations_match_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": not_search_object})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_every_migration_goes_down_and_up_again(db_url: str) -> None:
    """Each revision's downgrade undoes its upgrade: one step at a time to nothing, then back to head."""
    upgrade(db_url)
    while current_revision(db_url) is not None:
        downgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()

    upgrade(db_url)

    assert current_revision(db_url) == head_revision()
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": not_search_object})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_article_languages_go_down_and_up_with_the_articles_and_their_search_kept(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            session.add_all([Article(title="Trasig gatubelysning", body="Fråga efter stolpens nummer.", language="sv"),
                             Article(title="Broken streetlight", body="Ask for the post number.")])
            session.commit()
    finally:
        engine.dispose()

    downgrade(db_url, "0006_group_titles")

    engine = make_engine(db_url)
    try:
        assert "language" not in {c["name"] for c in inspect(engine).get_columns("articles")}
        with engine.connect() as connection:
            titles = connection.execute(text("SELECT title FROM articles ORDER BY id")).scalars().all()
        assert titles == ["Trasig gatubelysning", "Broken streetlight"]
    finally:
        engine.dispose()

    upgrade(db_url)

    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            found = search_articles(session, "gatubelysning")
            assert [(a.title, a.language) for a in found] == [("Trasig gatubelysning", None)]  # every language now
    finally:
        engine.dispose()


def test_second_writer_of_a_case_gets_stale_data_error(db_engine: Engine) -> None:
    sessions = session_factory(db_engine)
    with sessions() as setup:
        case_id = add_case(setup).id
        setup.commit()

    with sessions() as first, sessions() as second:
        mine, theirs = first.get_one(Case, case_id), second.get_one(Case, case_id)
        mine.office = "streets_parks"
        theirs.office = "waste"
        first.commit()
        with pytest.raises(StaleDataError):
            second.commit()

    with sessions() as check:
        stored = check.get_one(Case, case_id)
        assert (stored.office, stored.lock_version) == ("streets_parks", 2)


def test_utc_datetime_round_trips_an_aware_datetime(db_engine: Engine) -> None:
    stockholm_summer = timezone(timedelta(hours=2))
    due = datetime(2026, 6, 1, 14, 30, 15, 123456, tzinfo=stockholm_summer)
    sessions = session_factory(db_engine)
    with sessions() as session:
        timer = Timer(case_id=add_case(session).id, spiff_task_id="t-1", element_id="deadline", due_at=due)
        session.add(timer)
        session.commit()

    with sessions() as session:
        stored = session.get_one(Timer, timer.id).due_at
    assert stored == due
    assert stored.tzinfo == UTC
    assert stored.isoformat() == "2026-06-01T12:30:15.123456+00:00"


def test_sqlite_stores_timestamps_as_utc(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'onestop.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            case = add_case(session)
            case.due_at = datetime(2026, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
            session.commit()
            raw = session.execute(text("SELECT due_at FROM cases")).scalar_one()
    finally:
        engine.dispose()
    assert raw.startswith("2026-06-01 12:00:00")


def test_utc_datetime_refuses_a_naive_datetime(db_engine: Engine) -> None:
    with session_factory(db_engine)() as session:
        case = add_case(session)
        case.due_at = datetime(2026, 6, 1, 12, 0)
        with pytest.raises(StatementError) as raised:
            session.flush()
    assert isinstance(raised.value.orig, ValueError)
    assert "naive datetime" in str(raised.value.orig)


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                       for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}
    finally:
        engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 1}


def test_upgrade_of_an_unreachable_database_raises_database_unavailable() -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        upgrade("postgresql+psycopg://postgres@127.0.0.1:1/none")

    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("database unavailable at postgresql+psycopg://postgres@127.0.0.1:1/none: ")


def test_database_url_prefers_argument_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONESTOP_DATABASE_URL", raising=False)
    assert database_url(None) == "sqlite:///instance/onestop.db"
    monkeypatch.setenv("ONESTOP_DATABASE_URL", "postgresql://app@db/onestop")
    assert database_url(None) == "postgresql+psycopg://app@db/onestop"
    assert database_url("sqlite:///other.db") == "sqlite:///other.db"
