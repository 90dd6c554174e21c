"""One transaction per request, command or worker round, retried once on a lost race."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from .db import DatabaseUnavailable, make_engine, schema_missing, session_factory
from .tasks import ConcurrentUpdate

T = TypeVar("T")


class Database:
    """The engine and session factory of one database URL."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def run(self, work: Callable[[Session], T], *, retries: int = 1) -> T:
        """Run `work` and commit once. A concurrent update is retried: the retry then sees the
        other transaction's result (for instance "already completed by ...") instead of overwriting it."""
        for attempt in range(retries + 1):
            with self.sessions() as session:
                try:
                    result = work(session)
                    session.commit()
                    return result
                except ConcurrentUpdate:
                    session.rollback()
                    if attempt == retries:
                        raise
                except OperationalError as err:
                    session.rollback()
                    raise DatabaseUnavailable.from_error(self.url, err) from err
                except ProgrammingError as err:  # PostgreSQL reports a missing table this way
                    session.rollback()
                    if not schema_missing(err):
                        raise
                    raise DatabaseUnavailable.from_error(self.url, err) from err
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
