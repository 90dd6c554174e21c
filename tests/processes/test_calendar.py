"""Working days (processes.calendar): Swedish holidays, local days, deadlines in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from processes.calendar import WorkingCalendar

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="module")
def sweden() -> WorkingCalendar:
    return WorkingCalendar()


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=STOCKHOLM)


def end_of(year: int, month: int, day: int) -> datetime:
    return local(year, month, day, 23, 59, 59).astimezone(UTC)


# --- which days count --------------------------------------------------------------------------

@pytest.mark.parametrize("day", [date(2027, 3, 27), date(2027, 3, 28)])
def test_weekends_are_never_working_days(sweden: WorkingCalendar, day: date):
    assert not sweden.is_working_day(day)


@pytest.mark.parametrize(("day", "why"), [
    (date(2027, 1, 1), "New Year's Day"),
    (date(2027, 1, 6), "Epiphany"),
    (date(2027, 3, 26), "Good Friday"),
    (date(2027, 3, 29), "Easter Monday"),
    (date(2027, 5, 6), "Ascension Day"),
    (date(2025, 6, 6), "National Day (a Friday in 2025)"),
    (date(2026, 6, 19), "Midsummer Eve, de facto"),
    (date(2027, 12, 24), "Christmas Eve, de facto"),
    (date(2026, 12, 25), "Christmas Day"),
    (date(2026, 12, 31), "New Year's Eve, de facto"),
])
def test_swedish_holidays_and_de_facto_holidays_are_off(sweden: WorkingCalendar, day: date, why: str):
    assert day.weekday() < 5, why
    assert not sweden.is_working_day(day), why


@pytest.mark.parametrize("day", [date(2027, 3, 25), date(2027, 3, 30), date(2026, 12, 23), date(2027, 6, 24)])
def test_ordinary_weekdays_are_working_days(sweden: WorkingCalendar, day: date):
    assert sweden.is_working_day(day)


def test_a_datetime_counts_by_its_local_date(sweden: WorkingCalendar):
    # 23:30 UTC on Thursday 25 March 2027 is already Good Friday in Stockholm.
    assert not sweden.is_working_day(datetime(2027, 3, 25, 23, 30, tzinfo=UTC))
    assert sweden.is_working_day(datetime(2027, 3, 25, 22, 30, tzinfo=UTC))


def test_other_countries_and_subdivisions_use_their_own_holidays():
    assert WorkingCalendar("SE").is_working_day(date(2027, 7, 5))
    # 4 July 2027 is a Sunday, observed on Monday 5 July.
    assert not WorkingCalendar("US", tz="America/New_York").is_working_day(date(2027, 7, 5))
    bavaria = WorkingCalendar("DE", "BY", "Europe/Berlin")
    berlin = WorkingCalendar("DE", "BE", "Europe/Berlin")
    assert not bavaria.is_working_day(date(2027, 1, 6)) and berlin.is_working_day(date(2027, 1, 6))


@pytest.mark.parametrize("kwargs", [{"country": "XX"}, {"subdivision": "XX"}, {"tz": "Mars/Olympus_Mons"}])
def test_an_unknown_country_subdivision_or_zone_is_refused(kwargs: dict[str, str]):
    with pytest.raises(ValueError):
        WorkingCalendar(**kwargs)


# --- deadlines ---------------------------------------------------------------------------------

def test_friday_evening_plus_one_working_day_is_monday_end_of_day(sweden: WorkingCalendar):
    due = sweden.working_days_after(local(2027, 3, 19, 18, 45), 1)
    assert due == end_of(2027, 3, 22)
    assert due.tzinfo is UTC
    assert due.astimezone(STOCKHOLM).strftime("%a %H:%M:%S") == "Mon 23:59:59"


def test_the_hour_of_filing_does_not_matter(sweden: WorkingCalendar):
    morning = sweden.working_days_after(local(2027, 3, 19, 8, 0), 1)
    assert morning == sweden.working_days_after(local(2027, 3, 19, 23, 59), 1) == end_of(2027, 3, 22)


def test_filed_on_a_weekend_counts_from_monday(sweden: WorkingCalendar):
    assert sweden.working_days_after(local(2027, 3, 20, 11, 0), 1) == end_of(2027, 3, 22)
    # Monday 22 to Thursday 25 March, then Good Friday and Easter Monday are off: the fifth is Tuesday 30.
    assert sweden.working_days_after(local(2027, 3, 20, 11, 0), 5) == end_of(2027, 3, 30)


def test_zero_days_is_the_end_of_today_or_of_the_next_working_day(sweden: WorkingCalendar):
    assert sweden.working_days_after(local(2027, 3, 25, 9, 0), 0) == end_of(2027, 3, 25)
    assert sweden.working_days_after(local(2027, 3, 26, 9, 0), 0) == end_of(2027, 3, 30)  # Good Friday


def test_across_easter_2027(sweden: WorkingCalendar):
    # Thursday 25 March; Good Friday 26, the weekend, Easter Monday 29 March are off.
    assert sweden.working_days_after(local(2027, 3, 25, 10, 0), 1) == end_of(2027, 3, 30)
    assert sweden.working_days_after(local(2027, 3, 24, 10, 0), 2) == end_of(2027, 3, 30)


def test_across_christmas_and_new_year(sweden: WorkingCalendar):
    start = local(2026, 12, 23, 14, 0)  # Wednesday before Christmas Eve
    assert sweden.working_days_after(start, 1) == end_of(2026, 12, 28)
    assert sweden.working_days_after(start, 3) == end_of(2026, 12, 30)
    assert sweden.working_days_after(start, 4) == end_of(2027, 1, 4)  # not 31 Dec, 1 Jan or the weekend
    assert sweden.working_days_after(start, 6) == end_of(2027, 1, 7)  # not Epiphany


def test_across_midsummer(sweden: WorkingCalendar):
    # Thursday 18 June 2026; Midsummer Eve is Friday 19 June.
    assert sweden.working_days_after(local(2026, 6, 18, 10, 0), 1) == end_of(2026, 6, 22)


def test_across_the_spring_dst_change(sweden: WorkingCalendar):
    # Clocks go forward on Sunday 28 March 2027 (CET -> CEST); the end of day is 21:59:59 UTC after it.
    due = sweden.working_days_after(local(2027, 3, 23, 10, 0), 3)
    assert due == datetime(2027, 3, 30, 21, 59, 59, tzinfo=UTC)
    before = sweden.working_days_after(local(2027, 3, 23, 10, 0), 1)
    assert before == datetime(2027, 3, 24, 22, 59, 59, tzinfo=UTC)


def test_across_the_autumn_dst_change(sweden: WorkingCalendar):
    # Clocks go back on Sunday 25 October 2026 (CEST -> CET).
    due = sweden.working_days_after(local(2026, 10, 23, 16, 0), 1)
    assert due == datetime(2026, 10, 26, 22, 59, 59, tzinfo=UTC)
    assert due.astimezone(STOCKHOLM).hour == 23


def test_the_start_counts_by_its_local_date_not_its_utc_date(sweden: WorkingCalendar):
    # 23:30 UTC on Friday is 00:30 on Saturday in Stockholm.
    late_friday_utc = datetime(2027, 3, 19, 23, 30, tzinfo=UTC)
    assert sweden.working_days_after(late_friday_utc, 0) == end_of(2027, 3, 22)


def test_extend_moves_a_deadline_by_working_days(sweden: WorkingCalendar):
    due = end_of(2027, 3, 25)
    assert sweden.extend(due, 2) == end_of(2027, 3, 31)
    assert sweden.extend(due, 0) == due


def test_negative_days_are_refused(sweden: WorkingCalendar):
    with pytest.raises(ValueError, match="negative"):
        sweden.working_days_after(local(2027, 3, 25, 10, 0), -1)


# --- durations ---------------------------------------------------------------------------------

def test_working_days_between(sweden: WorkingCalendar):
    assert sweden.working_days_between(local(2027, 3, 22, 9, 0), local(2027, 3, 22, 16, 0)) == 0
    assert sweden.working_days_between(local(2027, 3, 19, 18, 0), local(2027, 3, 22, 9, 0)) == 1
    assert sweden.working_days_between(local(2027, 3, 25, 9, 0), local(2027, 3, 30, 9, 0)) == 1  # Easter
    assert sweden.working_days_between(local(2026, 12, 1, 9, 0), local(2027, 1, 1, 9, 0)) == 19


def test_an_end_before_the_start_counts_zero(sweden: WorkingCalendar):
    assert sweden.working_days_between(local(2027, 3, 30, 9, 0), local(2027, 3, 22, 9, 0)) == 0


def test_between_is_the_inverse_of_after(sweden: WorkingCalendar):
    start = local(2026, 12, 18, 15, 0)
    for offset in range(0, 40, 3):
        filed = start + timedelta(days=offset, hours=offset)
        for days in (1, 2, 5, 10):
            due = sweden.working_days_after(filed, days)
            assert sweden.working_days_between(filed, due) == days
            assert sweden.working_days_between(filed, due + timedelta(seconds=1)) == days + (
                sweden.is_working_day(due + timedelta(seconds=1)))


# --- naive datetimes ---------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda c, naive: c.working_days_after(naive, 1),
    lambda c, naive: c.working_days_between(naive, datetime.now(UTC)),
    lambda c, naive: c.working_days_between(datetime.now(UTC), naive),
    lambda c, naive: c.extend(naive, 1),
    lambda c, naive: c.is_working_day(naive),
    lambda c, naive: c.local_date(naive),
])
def test_naive_datetimes_are_refused(sweden: WorkingCalendar, call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call(sweden, datetime(2027, 3, 19, 18, 0))
