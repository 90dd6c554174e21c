"""Working days: turns "reply within 5 working days" into a due moment, and a case's span back
into working days for metrics.

Which days count (Sweden, the default): not the weekend (the country's weekend as the `holidays`
package knows it: Saturday and Sunday here), not a public holiday, and not a de-facto holiday.
The Swedish Annual Leave Law treats Midsummer Eve, Christmas Eve and New Year's Eve like Sundays,
and `holidays` 0.109 lists them in its DE_FACTO category for SE, so we ask for PUBLIC + DE_FACTO
wherever a country supports it. Its `include_sundays` option for SE only adds names for days that
are weekend anyway, so we leave it off.

A deadline is the end of a local working day (23:59:59 in `tz`), stored in UTC: a deadline is
promised as a date ("we reply by Monday"), so it must not depend on the hour a request came in,
and the citizen's Monday lasts until midnight wherever the server runs. Offices close earlier,
but their hours differ and nobody is wronged by a deadline that ends later than promised.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from holidays.constants import DE_FACTO, PUBLIC

ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Working days of one country (and optionally one subdivision) in one time zone."""

    def __init__(self, country: str = "SE", subdivision: str | None = None, tz: str = "Europe/Stockholm"):
        try:
            self.zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown time zone {tz!r}") from err
        try:
            supported = holidays.country_holidays(country, subdiv=subdivision).supported_categories
            categories = tuple(c for c in (PUBLIC, DE_FACTO) if c in supported)
            self._holidays = holidays.country_holidays(country, subdiv=subdivision, categories=categories)
        except NotImplementedError as err:  # how `holidays` says "no such country or subdivision"
            raise ValueError(f"no holiday calendar for {country!r}/{subdivision!r}: {err}") from err
        self.country, self.subdivision = country, subdivision
        # `holidays` fills in a year on first lookup; one calendar is shared by a process's threads.
        self._lock = threading.Lock()

    def local_date(self, moment: datetime) -> date:
        """The calendar date of an aware `moment` in this calendar's time zone."""
        return _aware(moment).astimezone(self.zone).date()

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day; an aware datetime counts by its local date."""
        if isinstance(day, datetime):
            day = self.local_date(day)
        with self._lock:
            return bool(self._holidays.is_working_day(day))

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday on `day` (in the `holidays` default language), or None."""
        with self._lock:
            return self._holidays.get(day)

    def end_of_day(self, day: date) -> datetime:
        """The last second of a local day, in UTC: the moment a deadline on that day expires."""
        return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=self.zone).astimezone(UTC)

    def working_days_after(self, start: datetime, days: int) -> datetime:
        """The end (UTC) of the `days`-th working day after `start`'s local date.

        The day of `start` itself never counts, whatever the hour: filed on Friday evening or on
        Saturday, one working day is due at the end of Monday. `days=0` is the end of the same day
        if it is a working day, else of the next working day."""
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        day = self.local_date(start)
        if days == 0:
            while not self.is_working_day(day):
                day += ONE_DAY
        while days:
            day += ONE_DAY
            days -= self.is_working_day(day)
        return self.end_of_day(day)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days from `start` to `end`: those after start's local date, up to end's.

        The inverse of `working_days_after` (for days >= 1), so a case closed by its due date
        took at most the promised number of working days. Closed on the day it came in: 0.
        An `end` before `start` gives 0 rather than a negative count: metrics sum these, and a
        clock skew between hosts must not subtract work."""
        first, last = self.local_date(start), self.local_date(end)
        count, day = 0, first + ONE_DAY
        while day <= last:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count

    def extend(self, due: datetime, days: int) -> datetime:
        """A deadline moved `days` working days later (a granted extension), at the end of a day."""
        return self.working_days_after(due, days)


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {moment!r}")
    return moment
