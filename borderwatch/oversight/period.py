"""What a report covers: a day, a week or a month of event time (UTC), and the two order
statistics every duration in a report is given as.

A weekly report covers the ISO week (Monday 00:00 to the next Monday 00:00 UTC) that holds
its date; a monthly one the calendar month. Times are UTC throughout: the event log's time.

Percentiles are by nearest rank (the value at rank ceil(p/100 x n) of the n sorted values,
so the median of 4 values is the second): every figure is one of the observed durations, and
anyone with the log and a spreadsheet gets the same number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal, get_args

import msgspec

from borderwatch.errors import ConfigError

__all__ = ["KINDS", "Period", "PeriodKind", "nearest_rank", "period_of"]

PeriodKind = Literal["daily", "weekly", "monthly"]
KINDS: tuple[PeriodKind, ...] = get_args(PeriodKind)
NS = 1_000_000_000


class Period(msgspec.Struct, frozen=True, kw_only=True):
    """`start_ns` <= event time < `end_ns`; `first_day` and `last_day` as ISO dates."""

    kind: PeriodKind
    first_day: str
    last_day: str
    start_ns: int
    end_ns: int

    def holds(self, time_ns: int) -> bool:
        """True if `time_ns` falls in the period."""
        return self.start_ns <= time_ns < self.end_ns

    @property
    def seconds(self) -> float:
        """How long the period is."""
        return (self.end_ns - self.start_ns) / NS


# Event times are 1970 to 2100 (messages.common.TimeNs): a period outside holds no event,
# and is clamped to that span so every bound fits SQLite's 64-bit integers.
_LAST_NS = 4_102_444_800 * NS


def _ns(day: dt.date) -> int:
    seconds = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
    return min(max(0, seconds * NS), _LAST_NS)


def period_of(kind: str, date: str) -> Period:
    """The period of `kind` (daily, weekly, monthly) that holds `date` (YYYY-MM-DD)."""
    if kind not in KINDS:
        raise ConfigError("report", f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    try:
        day = dt.date.fromisoformat(date)
    except ValueError as exc:
        raise ConfigError("--date", f"{date!r} is not a date (YYYY-MM-DD)") from exc
    if kind == "daily":
        first, after = day, day + dt.timedelta(days=1)
    elif kind == "weekly":
        first = day - dt.timedelta(days=day.weekday())
        after = first + dt.timedelta(days=7)
    else:
        first = day.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(
        kind=msgspec.convert(kind, PeriodKind),
        first_day=first.isoformat(),
        last_day=(after - dt.timedelta(days=1)).isoformat(),
        start_ns=_ns(first),
        end_ns=_ns(after),
    )


def nearest_rank(values: Sequence[float], p: float) -> float | None:
    """The `p`-th percentile of `values` by nearest rank (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100.0 * len(ordered))) - 1]
