"""Database plumbing: which database, how to connect to it, and bringing its schema up to date.

Alembic owns the schema; it is configured here in code, so no alembic.ini is needed.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from engine import ServiceInterrupted

from .json_values import dumps_for_storage

DEFAULT_URL = "sqlite:///instance/onestop.db"
URL_ENV_VAR = "ONESTOP_DATABASE_URL"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


class DatabaseUnavailable(ServiceInterrupted):
    """The database cannot be reached (or the URL cannot be used); the message is one line.

    A ServiceInterrupted, so that when it happens inside a service task the engine lets it through
    and the request answers 503 (the worker waits and retries) instead of failing the case's step."""

    def __init__(self, url: str, reason: str):
        self.url = _masked(url)
        self.reason = " ".join(reason.split())
        super().__init__(f"database unavailable at {self.url}: {self.reason}")

    @classmethod
    def from_error(cls, url: str, err: DBAPIError) -> DatabaseUnavailable:
        """For an error the driver raised: its own first line is the reason (a full disk and a missing
        schema say so)."""
        if is_disk_full(err):
            return DatabaseFull(url)
        if schema_missing(err):
            return SchemaMissing(url, _first_line(err))
        return cls(url, _first_line(err))


class SchemaMissing(DatabaseUnavailable):
    """The database answers but lacks OneStop tables or columns: nobody ran the migrations on it, or not
    since this code was installed."""

    MESSAGE = "the database has no OneStop schema, or an older one: run `onestop db upgrade`"

    def __init__(self, url: str, reason: str):
        super().__init__(url, reason)
        self.args = (f"{self.MESSAGE} ({self.url}: {self.reason})",)


def schema_missing(err: DBAPIError) -> bool:
    """Whether the driver says a table or a column does not exist: the schema is missing, or older than
    this code (SQLite's "no such table" / "no such column", PostgreSQL's 42P01 / 42703)."""
    if getattr(err.orig, "sqlstate", None) in ("42P01", "42703"):
        return True
    text = str(err.orig or "")
    return "no such table" in text or "no such column" in text


class DatabaseFull(DatabaseUnavailable):
    """The database refused a write for lack of disk space; the transaction was rolled back whole."""

    def __init__(self, url: str):
        super().__init__(url, "its disk is full, so nothing was saved; free some space and try again")


def is_disk_full(err: BaseException) -> bool:
    """Whether `err` (a driver error, or SQLAlchemy's wrapper of one) is SQLite's SQLITE_FULL or
    PostgreSQL's disk_full (SQLSTATE 53100)."""
    if isinstance(err, DatabaseFull):
        return True
    driver_error = getattr(err, "orig", err)
    return (getattr(driver_error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            or getattr(driver_error, "sqlstate", None) == "53100")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (the only kind the models accept)."""
    return datetime.now(UTC)


def database_url(url: str | None = None) -> str:
    """The URL to use: `url`, else $ONESTOP_DATABASE_URL, else the SQLite file under instance/."""
    chosen = url or os.environ.get(URL_ENV_VAR) or DEFAULT_URL
    # Hosting platforms hand out postgres:// URLs; we always talk to PostgreSQL through psycopg 3.
    for prefix in ("postgresql://", "postgres://"):
        if chosen.startswith(prefix):
            return "postgresql+psycopg://" + chosen[len(prefix):]
    return chosen


def make_engine(url: str | None = None) -> Engine:
    """An engine for `url` (see database_url), tuned for the backend it points at."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise DatabaseUnavailable(url, f"not a usable database URL ({err})") from err
    # NaN, lone surrogates, NUL ... would be stored unreadable (SQLite) or fail deep in the driver (PostgreSQL)
    options: dict[str, Any] = {"json_serializer": dumps_for_storage}
    if parsed.get_backend_name() == "postgresql":
        options["pool_pre_ping"] = True
    elif parsed.get_backend_name() == "sqlite":
        _create_sqlite_folder(url, parsed.database)
    try:
        engine = create_engine(parsed, **options)
    except ArgumentError as err:  # includes an unknown dialect
        raise DatabaseUnavailable(url, f"not a usable database URL ({err})") from err
    except ImportError as err:
        raise DatabaseUnavailable(url, f"its database driver is not installed ({err})") from err
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine`; objects stay readable after commit (the request commits once)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def savepoint(session: Session) -> Iterator[SessionTransaction]:
    """`session.begin_nested()` that nests on SQLite too.

    pysqlite opens its transaction only at the first write: a SAVEPOINT before that would be the
    transaction itself, and its RELEASE a COMMIT, behind the back of whoever commits once."""
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    with session.begin_nested() as nested:
        yield nested


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """Alembic's configuration for our migrations; env.py uses `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Config values go through configparser interpolation, where % is special.
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, in one transaction where the backend allows."""
    with _connection(url) as connection, connection.begin():
        command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    """Migrate the database at `url` back to `revision` (default: one step), in one transaction where
    the backend allows."""
    with _connection(url) as connection, connection.begin():
        command.downgrade(alembic_config(url, connection), revision)


def current_revision(url: str | None = None) -> str | None:
    """The revision the database at `url` is at; None when it has never been migrated."""
    with _connection(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config(DEFAULT_URL)).get_current_head()


def schema_problem(url: str) -> str | None:
    """Why this code cannot serve the database at `url` as it is (None: its schema is this code's),
    for a server or worker to say at start rather than fail on the first page that needs a new column."""
    scripts = ScriptDirectory.from_config(alembic_config(DEFAULT_URL))
    current, head = current_revision(url), scripts.get_current_head()
    if current == head:
        return None
    if current is None:
        return SchemaMissing.MESSAGE
    if current not in {script.revision for script in scripts.walk_revisions()}:
        return (f"the database schema is at revision {current}, which this OneStop does not know "
                "(a newer OneStop migrated it): install that version")
    return f"the database schema is at revision {current}, this OneStop needs {head}: run `onestop db upgrade`"


@contextmanager
def _connection(url: str | None) -> Iterator[Connection]:
    """A connection on a short-lived engine; connection failures become DatabaseUnavailable."""
    url = database_url(url)
    engine = make_engine(url)
    try:
        try:
            connection = engine.connect()
        except OperationalError as err:
            raise DatabaseUnavailable.from_error(url, err) from err
        with connection:
            yield connection
    finally:
        engine.dispose()


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _create_sqlite_folder(url: str, database: str | None) -> None:
    """The default database's folder (instance/) is made on first use; any other must exist already,
    so a mistyped --db path is an error instead of a new, empty database somewhere unexpected."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    folder = Path(database).parent
    if folder.is_dir():
        return
    if url != DEFAULT_URL:
        raise DatabaseUnavailable(url, f"the folder {folder} does not exist: create it first, or check the path")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatabaseUnavailable(url, f"cannot create the folder for {database}: {err.strerror}") from err


def _first_line(err: DBAPIError) -> str:
    """The driver's own message without SQLAlchemy's SQL and background-link decoration."""
    message = str(err.orig) if err.orig is not None else str(err)
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[0] if lines else type(err.orig or err).__name__


def _masked(url: str) -> str:
    return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", url)
