"""Periods, the languages' dates and numbers, pseudonyms, the reports kept and which are due,
and the command line's refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from borderwatch.cli import main
from borderwatch.errors import ConfigError
from borderwatch.oversight.language import number, words
from borderwatch.oversight.library import ReportLibrary
from borderwatch.oversight.period import nearest_rank, period_of
from borderwatch.oversight.settings import Pseudonyms

NS = 1_000_000_000


def _ns(year: int, month: int, day: int, hour: int = 0) -> int:
    return int(dt.datetime(year, month, day, hour, tzinfo=dt.UTC).timestamp()) * NS


@pytest.mark.parametrize(
    ("kind", "date", "first", "last"),
    [
        ("daily", "2026-03-11", "2026-03-11", "2026-03-11"),
        ("weekly", "2026-03-11", "2026-03-09", "2026-03-15"),  # ISO week: Monday to Sunday
        ("weekly", "2026-03-09", "2026-03-09", "2026-03-15"),
        ("weekly", "2026-03-15", "2026-03-09", "2026-03-15"),
        ("monthly", "2026-02-14", "2026-02-01", "2026-02-28"),
        ("monthly", "2028-02-29", "2028-02-01", "2028-02-29"),
        ("monthly", "2026-12-31", "2026-12-01", "2026-12-31"),
    ],
)
def test_periods(kind: str, date: str, first: str, last: str) -> None:
    p = period_of(kind, date)
    assert (p.first_day, p.last_day) == (first, last)
    d0, d1 = dt.date.fromisoformat(first), dt.date.fromisoformat(last) + dt.timedelta(days=1)
    assert p.start_ns == _ns(d0.year, d0.month, d0.day)
    assert p.end_ns == _ns(d1.year, d1.month, d1.day)
    assert p.holds(p.start_ns)
    assert not p.holds(p.end_ns)


@pytest.mark.parametrize(("kind", "date"), [("yearly", "2026-01-01"), ("daily", "2026-13-01")])
def test_bad_periods_are_named(kind: str, date: str) -> None:
    with pytest.raises(ConfigError, match=r"report|--date"):
        period_of(kind, date)


def test_nearest_rank() -> None:
    assert nearest_rank([], 50) is None
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 50) == 2.0  # rank ceil(2) = 2
    assert nearest_rank([4.0, 1.0, 3.0, 2.0], 90) == 4.0  # rank ceil(3.6) = 4
    assert nearest_rank(list(map(float, range(1, 11))), 90) == 9.0


def test_dates_and_numbers_as_each_reader_writes_them() -> None:
    assert words("en").date("2026-06-06") == "6 June 2026"
    assert words("fr").date("2026-08-15") == "15 août 2026"
    assert words("ar").date("2026-07-01") == "1 جويلية 2026"  # the Maghreb's month names
    assert words("ar").dir == "rtl"
    assert words("fr").dir == "ltr"
    assert number(12.345, "fr") == "12,3"
    assert number(12.345, "ar") == "12.3"
    assert number(None, "en") == "–"
    with pytest.raises(ConfigError, match="unknown language 'de'"):
        words("de")


def test_pseudonyms_are_stable_per_deployment_and_differ_between_them(tmp_path: Path) -> None:
    a = Pseudonyms.of_data(tmp_path / "a")
    assert a.of("alice") == Pseudonyms.of_data(tmp_path / "a").of("alice")
    assert a.of("alice") != a.of("bob")
    assert a.of("alice") != Pseudonyms.of_data(tmp_path / "b").of("alice")
    assert (tmp_path / "a" / "oversight" / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_due_reports(tmp_path: Path) -> None:
    lib = ReportLibrary(tmp_path)
    # Monday 1 June 2026, 06:00: yesterday's daily, last week's, last month's are due.
    now = _ns(2026, 6, 1, 6)
    assert lib.due(now) == [
        ("daily", "2026-05-31"),
        ("weekly", "2026-05-25"),
        ("monthly", "2026-05-01"),
    ]
    # A Wednesday: only the days since; the week and month are not over.
    assert lib.due(_ns(2026, 6, 3, 6), since="2026-06-01") == [
        ("daily", "2026-06-01"),
        ("daily", "2026-06-02"),
    ]
    lib.dir.mkdir(parents=True)
    (lib.dir / "daily-2026-06-01.json").write_text("{}")
    assert lib.due(_ns(2026, 6, 3, 6), since="2026-06-01") == [("daily", "2026-06-02")]


def test_the_command_line_names_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "weekly", "--data", str(tmp_path), "--date", "2026-03-11",
                 "--out", str(tmp_path / "r.pdf")]) == 2  # fmt: skip
    assert "no event log there" in capsys.readouterr().err
    args = ["report", "weekly", "--data", str(tmp_path), "--date", "2026-03-11"]
    assert main([*args, "--lang", "ar,fr", "--out", str(tmp_path / "r.pdf")]) == 2
    assert "{lang}" in capsys.readouterr().err
    assert main([*args, "--lang", "de", "--out", str(tmp_path / "r.pdf")]) == 2
    assert "unknown language 'de'" in capsys.readouterr().err
    assert main(["report", "daily", "--data", str(tmp_path)]) == 2
    assert "needs --date and --out" in capsys.readouterr().err
