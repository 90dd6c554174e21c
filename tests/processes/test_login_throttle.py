"""Failed-login counters: the lock schedule, and counting that holds when web processes count at once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from processes.login_throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT, account_key, locked_until, record_failure
from processes.models import LoginFailures
from processes.unit import Database

NOW = datetime(2027, 1, 11, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("failures", "minutes"), [(4, None), (5, 1), (6, 2), (7, 4), (8, 5), (50, 5), (10**6, 5)])
def test_an_account_is_locked_from_the_fifth_failure_doubling_up_to_five_minutes(
    failures: int, minutes: int | None
) -> None:
    lock = ACCOUNT_LIMIT.lock_after(failures)
    assert lock == (timedelta(minutes=minutes) if minutes else None)


def test_an_address_is_locked_a_minute_at_a_time_after_twenty() -> None:
    assert ADDRESS_LIMIT.lock_after(19) is None
    assert ADDRESS_LIMIT.lock_after(20) == ADDRESS_LIMIT.lock_after(500) == timedelta(minutes=1)


def test_failures_counted_at_once_by_many_processes_all_count(pg_db: Database) -> None:
    """Eight web processes' requests fail for one account at the same moment: eight failures, one row."""
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def fail_once() -> None:
        try:
            barrier.wait()
            pg_db.run(lambda session: record_failure(session, "officer", None, NOW))
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=fail_once) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with pg_db.sessions() as session:
        row = session.scalars(select(LoginFailures).where(LoginFailures.key == account_key("officer"))).one()
        assert row.failures == 8
        assert locked_until(session, "Officer", None, NOW) == NOW + timedelta(minutes=5)  # names are case-folded
