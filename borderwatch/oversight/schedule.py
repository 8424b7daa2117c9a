"""The running service's own report schedule: the daily, weekly and monthly reports made
when due, kept in the data directory's library (`DATA/oversight/reports`, which the API
lists and the console's panel shows), without cron.

A report is due once its period is over by the service's clock and the reorder window has
settled (`SETTLE_NS` after its end: a report made sooner could miss events still arriving
for its last minutes), and not yet kept. The schedule looks back at most `LOOK_BACK_DAYS`
(a service down for a few days makes what it missed on its return, not a year of reports
for an old log) and never before the log's first event. Reports are read from the derived
journal the service records (`oversight.journal`), so a weekly one takes seconds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from borderwatch.engine.config import EngineConfig
from borderwatch.geo.registry import Registry
from borderwatch.oversight.derive import SETTLE_NS
from borderwatch.oversight.language import LANGS
from borderwatch.oversight.library import KeptReport, ReportLibrary
from borderwatch.oversight.period import NS, period_of

__all__ = ["LOOK_BACK_DAYS", "ReportSchedule"]

LOOK_BACK_DAYS = 7

log = logging.getLogger(__name__)


class ReportSchedule:
    """Which reports are due by `clock`, and making them (see the module's comment)."""

    def __init__(
        self,
        library: ReportLibrary,
        clock: Callable[[], int],
        log_start_ns: Callable[[], int | None],
        config: EngineConfig,
        registry: Registry,
        langs: tuple[str, ...] = LANGS,
        formats: tuple[str, ...] = ("pdf",),
    ) -> None:
        self.library = library
        self.clock = clock
        self.log_start_ns = log_start_ns
        self.config = config
        self.registry = registry
        self.langs = langs
        self.formats = formats
        self.failed: set[tuple[str, str]] = set()  # not tried again until a restart
        self.made = 0

    def due(self) -> list[tuple[str, str]]:
        """(kind, first day) of each report due now and not failed before."""
        now = self.clock()
        start = self.log_start_ns()
        if start is None:
            return []
        today = dt.datetime.fromtimestamp(now / NS, dt.UTC).date()
        first = dt.datetime.fromtimestamp(start / NS, dt.UTC).date()
        since = max(first, today - dt.timedelta(days=LOOK_BACK_DAYS))
        return [
            (kind, day)
            for kind, day in self.library.due(now, since.isoformat())
            if period_of(kind, day).end_ns + SETTLE_NS <= now and (kind, day) not in self.failed
        ]

    def make(self, kind: str, day: str) -> list[KeptReport]:
        """Make one due report (in a worker thread: it reads and writes only files); a
        failure is logged once and that report not tried again until the next start."""
        try:
            kept = self.library.make(
                kind, day, self.langs, self.formats, self.config, self.registry
            )
        except Exception:
            self.failed.add((kind, day))
            log.exception("the %s report of %s could not be made", kind, day)
            return []
        self.made += 1
        log.info("made the %s report of %s: %d files", kind, day, len(kept))
        return kept
