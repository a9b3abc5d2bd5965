"""The plant calendar the trends count in: ISO weeks (Monday to Sunday) and calendar months of a period known as
of one plant day, and the few column helpers that turn dates and audit moments into those days and weeks."""
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks from `start` (a Monday) to `end` (a Sunday), with figures as of `on`."""

    start: date
    end: date
    on: date

    @property
    def weeks(self) -> list[date]:
        return [self.start + timedelta(weeks=n) for n in range((self.end - self.start).days // 7 + 1)]

    @property
    def months(self) -> list[date]:
        """First days of the calendar months the period touches."""
        first, months = self.start.replace(day=1), []
        while first <= self.end:
            months.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
        return months

    @property
    def since(self) -> date:
        """The earliest day a KPI of the period looks at (days red and yellow count whole months)."""
        return self.months[0]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(monday: date) -> str:
    """'2026-W47': the label plants write on their weekly reports."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> date:
    """The Monday of an ISO week written as YYYY-Www; ValueError for anything else."""
    try:
        year, week = text.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except (ValueError, AttributeError) as problem:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47") from problem


def period_for(first_day: date, last_day: date, today: date) -> Period:
    """The whole ISO weeks covering the chosen days; nothing after today is known yet."""
    end = week_start(last_day) + timedelta(days=6)
    return Period(start=week_start(first_day), end=end, on=min(end, today))


def default_period(today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The last `weeks` ISO weeks, the current one included."""
    return period_for(week_start(today) - timedelta(weeks=weeks - 1), today, today)


def report_period(week: str, today: date, weeks: int = DEFAULT_WEEKS) -> Period:
    """The weekly pack's period: the chosen week and the weeks before it."""
    monday = parse_week(week)
    return period_for(monday - timedelta(weeks=weeks - 1), monday, today)


def days_of(values) -> pd.Series:
    """Plant dates as datetime64 days, so that whole columns subtract and compare at once."""
    return pd.to_datetime(pd.Series(values), errors="coerce").astype("datetime64[s]")


def day_stamp(day: date) -> np.datetime64:
    return np.datetime64(day, "s")


def plant_days(moments: pd.Series, tz: ZoneInfo) -> pd.Series:
    """The plant's calendar day of each UTC moment (a reopening at 01:00 Shanghai time on a Monday is Monday's)."""
    local = pd.to_datetime(moments, utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    return local.dt.normalize().astype("datetime64[s]")


def week_of(days: pd.Series) -> pd.Series:
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def count_per_week(days: pd.Series, weeks: list[date]) -> np.ndarray:
    counts = week_of(days.dropna()).value_counts()
    return np.array([int(counts.get(pd.Timestamp(w), 0)) for w in weeks])


def week_frame(weeks: list[date]) -> pd.DataFrame:
    return pd.DataFrame({"week": [iso_week(w) for w in weeks], "week_start": weeks})


def share_of(on_time: int, completed: int) -> float:
    return round(on_time / completed, 3) if completed else np.nan
