"""The reports kept in the data directory (`DATA/oversight/reports/`), and which are due.

Each report is kept as one file per language and format, named for what it is:
`weekly-2026-03-09-ar.pdf` (kind, the period's first day, language), with its figures
beside it as JSON (`weekly-2026-03-09.json`), so the numbers can be checked without the PDF.
A report is due once its period is over: yesterday's daily report, last week's weekly one on
Monday, last month's monthly one on the 1st (UTC); `make_due` makes those not yet made.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import msgspec

from borderwatch.engine.config import EngineConfig
from borderwatch.errors import DataError
from borderwatch.geo.registry import Registry
from borderwatch.oversight.charts import availability_map
from borderwatch.oversight.language import LANGS, check_lang
from borderwatch.oversight.period import KINDS, NS, period_of
from borderwatch.oversight.report import figures_of, write_report

__all__ = ["FORMATS", "KeptReport", "ReportLibrary"]

FORMATS = ("pdf", "html")
# One report made at a time in a process (the API's and the schedule's worker threads): each
# may derive from the log into the journal, which one pass does best alone.
_MAKING = threading.Lock()
_NAME = re.compile(
    r"^(daily|weekly|monthly)-(\d{4}-\d{2}-\d{2})(?:-(ar|fr|en)\.(pdf|html)|\.json)$"
)


class KeptReport(msgspec.Struct, frozen=True, kw_only=True):
    """One file of the library."""

    name: str
    kind: str
    first_day: str
    lang: str | None  # None: the figures (JSON)
    format: str
    bytes: int
    made_ns: int


class ReportLibrary:
    """`DATA/oversight/reports/`: list, make, find."""

    def __init__(self, data_root: Path) -> None:
        self.data_root = data_root
        self.dir = data_root / "oversight" / "reports"

    def kept(self) -> list[KeptReport]:
        """Every kept file, newest period first."""
        out = []
        if self.dir.is_dir():
            for path in self.dir.iterdir():
                m = _NAME.match(path.name)
                if m is None:
                    continue
                st = path.stat()
                out.append(
                    KeptReport(
                        name=path.name,
                        kind=m[1],
                        first_day=m[2],
                        lang=m[3],
                        format=m[4] or "json",
                        bytes=st.st_size,
                        made_ns=st.st_mtime_ns,
                    )
                )
        out.sort(key=lambda r: (r.first_day, r.kind, r.name), reverse=True)
        return out

    def path(self, name: str) -> Path:
        """The file named `name` (only a library name: never a path elsewhere)."""
        if _NAME.match(name) is None or not (self.dir / name).is_file():
            raise DataError(f"no report {name!r}")
        return self.dir / name

    def make(
        self,
        kind: str,
        date: str,
        langs: tuple[str, ...] = LANGS,
        formats: tuple[str, ...] = ("pdf",),
        config: EngineConfig | None = None,
        registry: Registry | None = None,
    ) -> list[KeptReport]:
        """Make the `kind` report holding `date` in `langs` and `formats` (one pass)."""
        for f in formats:
            if f not in FORMATS:
                raise DataError(f"unknown report format {f!r}; one of {', '.join(FORMATS)}")
        for lang in langs:
            check_lang(lang)
        with _MAKING:
            return self._make(kind, date, langs, formats, config, registry)

    def _make(
        self,
        kind: str,
        date: str,
        langs: tuple[str, ...],
        formats: tuple[str, ...],
        config: EngineConfig | None,
        registry: Registry | None,
    ) -> list[KeptReport]:
        figures = figures_of(self.data_root, kind, date, config, registry)
        stem = f"{kind}-{figures.period.first_day}"
        names = [f"{stem}.json"]
        write_report(figures, "en", self.dir / names[0])
        png = availability_map(figures.coverage, figures.sensors)
        for lang in dict.fromkeys(langs):
            for f in dict.fromkeys(formats):
                names.append(f"{stem}-{lang}.{f}")
                write_report(figures, lang, self.dir / names[-1], png)
        kept = {r.name: r for r in self.kept()}
        return [kept[n] for n in names]

    def due(self, now_ns: int, since: str | None = None) -> list[tuple[str, str]]:
        """(kind, first day) of each report whose period is over and not yet made, for the
        periods holding `since` (default: yesterday) up to today."""
        today = dt.datetime.fromtimestamp(now_ns / NS, dt.UTC).date()
        made = {(r.kind, r.first_day) for r in self.kept() if r.format == "json"}
        start = dt.date.fromisoformat(since) if since else today - dt.timedelta(days=1)
        out: list[tuple[str, str]] = []
        for kind in KINDS:
            day = start
            while day < today:
                p = period_of(kind, day.isoformat())
                if p.end_ns <= now_ns and (kind, p.first_day) not in made:
                    out.append((kind, p.first_day))
                    made.add((kind, p.first_day))
                day = dt.date.fromisoformat(p.last_day) + dt.timedelta(days=1)
        return out

    def make_due(
        self,
        now_ns: int,
        since: str | None = None,
        config: EngineConfig | None = None,
        registry: Registry | None = None,
    ) -> list[KeptReport]:
        """Make every report `due` (all three languages, PDF)."""
        out = []
        for kind, first_day in self.due(now_ns, since):
            out += self.make(kind, first_day, config=config, registry=registry)
        return out
