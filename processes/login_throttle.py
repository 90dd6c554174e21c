"""Failed-login throttling, per account name and per client address, kept in the database.

Every web process of a cluster shares the database, so a guesser gets the same few tries however
many gunicorn processes serve him. Only failures count: a busy office behind one address that logs
in correctly is never slowed down. A lock is short and grows with further failures:

- an account name: 5 failures in a row, then locked for 1 minute, 2, 4, at most 5 minutes;
  a correct password clears it. Names that belong to nobody are counted the same way, so a lock
  tells nothing about which accounts exist.
- a client address: 20 failures (over any accounts), then 1 minute per further failure. A correct
  password does not clear it (else a guesser would clear it with his own account), but the lock is
  so short that the rightful user behind the same address waits at most a minute.

Counters are forgotten 15 minutes after their last failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import LoginFailures


@dataclass(frozen=True)
class Limit:
    """Failures allowed before a lock, the first lock, and the longest one."""

    allowed: int
    first_lock: timedelta
    longest_lock: timedelta

    def lock_after(self, failures: int) -> timedelta | None:
        """How long `failures` failures in a row lock the key: doubling from `first_lock`, capped."""
        if failures < self.allowed:
            return None
        doublings = min(failures - self.allowed, 16)  # 2**16 minutes is past any cap; keeps the number small
        return min(self.first_lock * 2**doublings, self.longest_lock)


ACCOUNT_LIMIT = Limit(allowed=5, first_lock=timedelta(minutes=1), longest_lock=timedelta(minutes=5))
ADDRESS_LIMIT = Limit(allowed=20, first_lock=timedelta(minutes=1), longest_lock=timedelta(minutes=1))
FORGET_AFTER = timedelta(minutes=15)
KEY_LENGTH = 128


def account_key(username: str) -> str:
    # Case-folded: "Officer" and "officer" are one account to a guesser.
    return f"account:{username.casefold()}"[:KEY_LENGTH]


def address_key(address: str) -> str:
    return f"ip:{address}"[:KEY_LENGTH]


def _keys(username: str, address: str | None) -> list[tuple[str, Limit]]:
    keys = [(account_key(username), ACCOUNT_LIMIT)]
    if address:
        keys.append((address_key(address), ADDRESS_LIMIT))
    return keys


def locked_until(session: Session, username: str, address: str | None, now: datetime) -> datetime | None:
    """When the account name or the address may try again, or None when both may try now."""
    keys = [key for key, _ in _keys(username, address)]
    until = session.scalars(select(LoginFailures.locked_until).where(
        LoginFailures.key.in_(keys), LoginFailures.locked_until > now)).all()
    return max((moment for moment in until if moment is not None), default=None)


def record_failure(session: Session, username: str, address: str | None, now: datetime) -> datetime | None:
    """Count a failed login for the account name and the address; returns the lock it causes, if any."""
    session.execute(delete(LoginFailures).where(
        LoginFailures.last_failure_at < now - FORGET_AFTER,
        (LoginFailures.locked_until.is_(None)) | (LoginFailures.locked_until < now)))
    until: datetime | None = None
    for key, limit in _keys(username, address):
        row = _locked_row(session, key, now)
        row.failures += 1
        row.last_failure_at = now
        lock = limit.lock_after(row.failures)
        if lock is not None:
            row.locked_until = now + lock
            until = max(until or row.locked_until, row.locked_until)
    session.flush()
    return until


def record_success(session: Session, username: str) -> None:
    """A correct password clears the account name's failures (never the address's)."""
    session.execute(delete(LoginFailures).where(LoginFailures.key == account_key(username)))
    session.flush()


def _locked_row(session: Session, key: str, now: datetime) -> LoginFailures:
    """The counter row of `key`, created if missing and locked for update, so two web processes
    counting the same key at once both count."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(LoginFailures).values(key=key, failures=0, last_failure_at=now)
                    .on_conflict_do_nothing(index_elements=["key"]))
    row = session.scalars(select(LoginFailures).where(LoginFailures.key == key)
                          .with_for_update().execution_options(populate_existing=True)).one()
    if row.last_failure_at < now - FORGET_AFTER:
        row.failures = 0
    return row
