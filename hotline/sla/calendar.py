"""Working-time arithmetic on the Chinese calendar (holidays and 调休 make-up workdays)."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.clock import ensure_utc
from hotline.enums import LimitUnit

SHANGHAI = ZoneInfo("Asia/Shanghai")


class WorkCalendar:
    """Which days are working days: admin overrides first, then chinese-calendar.

    For a year the package does not know yet, weekdays are working days until the
    admin enters that year's holidays as overrides.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None, tz: ZoneInfo = SHANGHAI) -> None:
        self._overrides = dict(overrides or {})
        self.tz = tz

    def is_workday(self, day: date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def knows_year(self, year: int) -> bool:
        """True when the package knows this year, or the overrides give at least one day off in it.

        Make-up working days alone do not count: a year with no holidays entered still runs
        Monday to Friday.
        """
        return package_knows_year(year) or any(
            d.year == year and not workday for d, workday in self._overrides.items()
        )

    def next_workday(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``start`` moved on by ``days`` working days, keeping the local time of day.

        A start on a rest day counts from the beginning of the next working day, so a
        request made on Saturday with a limit of 1 working day is due at the end of Monday.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        local = ensure_utc(start).astimezone(self.tz)
        day = local.date()
        clock_time = local.timetz().replace(tzinfo=None)
        if not self.is_workday(day):
            day, clock_time = self.next_workday(day), time(0, 0)
        for _ in range(days):
            day = self.next_workday(day)
        return datetime.combine(day, clock_time, self.tz).astimezone(UTC)

    def end_of_next_workday(self, start: datetime) -> datetime:
        """Midnight ending the first working day after ``start``'s local day."""
        day = self.next_workday(ensure_utc(start).astimezone(self.tz).date())
        return datetime.combine(day + timedelta(days=1), time(0, 0), self.tz).astimezone(UTC)

    def add(self, start: datetime, amount: int, unit: LimitUnit) -> datetime:
        """The deadline ``amount`` ``unit`` after ``start``."""
        match unit:
            case LimitUnit.MINUTES:
                return ensure_utc(start) + timedelta(minutes=amount)
            case LimitUnit.HOURS:
                return ensure_utc(start) + timedelta(hours=amount)
            case LimitUnit.WORKING_DAYS:
                return self.add_working_days(start, amount)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count


def package_knows_year(year: int) -> bool:
    """True when chinese-calendar has this year's official holidays and make-up days."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def local_day_start(now: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    """Midnight (in UTC) that starts ``now``'s local day."""
    return datetime.combine(ensure_utc(now).astimezone(tz).date(), time(), tzinfo=tz).astimezone(UTC)
