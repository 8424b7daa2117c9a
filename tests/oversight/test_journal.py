"""The derived journal: a report read from it has the figures of a report replayed from the
log; one that does not cover the period is filled from the log first; one of other code,
settings, sensors or quarantine is not trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

import msgspec
import pytest

from borderwatch.engine import EngineConfig
from borderwatch.errors import DataError
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.oversight.figures import Figures
from borderwatch.oversight.journal import Journal, fingerprint, journal_path
from borderwatch.oversight.period import period_of
from borderwatch.oversight.reading import derived_for
from borderwatch.oversight.report import figures_of
from borderwatch.store import EventLog
from tests.oversight.conftest import DATE, Week


def _same(a: object, b: object) -> None:
    assert msgspec.json.encode(a).decode() == msgspec.json.encode(b).decode()


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_layout(load_sites(None))


@pytest.fixture(scope="module")
def replayed(week: Week, registry: Registry) -> Figures:
    """The weekly figures as every report made them before the journal: the log replayed."""
    return figures_of(week.root, "weekly", DATE, EngineConfig(), registry, replay=True)


def test_the_recorded_journal_gives_the_replayed_figures(
    week: Week, registry: Registry, replayed: Figures
) -> None:
    config = EngineConfig()
    journal = journal_path(week.root, fingerprint(config, registry))
    covered = Journal(journal, fingerprint(config, registry)).covered
    with EventLog(week.root / "events.sqlite") as log:
        # The exercise recorded the whole log as it ran (as the service does).
        assert covered == log.last_seq() > 0
        for kind, date in (("weekly", DATE), ("daily", DATE), ("daily", "2026-03-15")):
            period = period_of(kind, date)
            d = derived_for(week.root, log, registry, period, config)
            assert d.source == "journal"
            # It stops where the replay stops: mid-log for a day before the last.
            if kind == "daily" and date == DATE:
                assert 0 < d.read_to_seq < covered
            assert d.events > 0
            assert d.steps
            assert d.health_in
            fast = figures_of(week.root, kind, date, config, registry)
            if kind == "weekly":
                _same(fast, replayed)
            elif date == DATE:
                _same(fast, figures_of(week.root, kind, date, config, registry, replay=True))
    assert Journal(journal, fingerprint(config, registry)).covered == covered  # only read


def test_a_journal_is_filled_from_the_log_and_not_trusted_if_made_otherwise(
    week: Week, registry: Registry, replayed: Figures, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    root.mkdir()
    for name in ("events.sqlite", "audit.pub", "oversight.toml", "checkpoints.sqlite",
                 "disclosures.sqlite"):  # fmt: skip
        if (week.root / name).exists():
            shutil.copy(week.root / name, root / name)
    config = EngineConfig()
    mark = fingerprint(config, registry)
    period = period_of("daily", DATE)
    with EventLog(root / "events.sqlite") as log:
        # No journal: the first report derives from the log into one, up to where its
        # replay stops (the engine's state kept there), and reads it.
        first = derived_for(root, log, registry, period, config)
        assert first.source == "journal"
        with Journal.open(root, mark) as j:
            assert j.covered == first.read_to_seq < log.last_seq()
            assert j.load_state() is not None
        # The week goes on from there; same figures as replayed.
        _same(figures_of(root, "weekly", DATE, config, registry), replayed)
        with Journal.open(root, mark) as j:
            assert j.covered == log.last_seq()

        # Another quarantine: not trusted, the log is replayed (for the day before the log
        # starts: the replay stops at its first event, so this costs nothing).
        before = period_of("daily", "2026-03-08")
        assert derived_for(root, log, registry, before, config, frozenset({5})).source == "replay"
        # Other settings: another journal (filled afresh), never this one.
        other = msgspec.structs.replace(
            config, picture=msgspec.structs.replace(config.picture, window_s=3.0)
        )
        other_mark = fingerprint(other, registry)
        assert journal_path(root, other_mark) != journal_path(root, mark)
        # This journal under the other one's name (a copied file) is refused and not used.
        shutil.copy(journal_path(root, mark), journal_path(root, other_mark))
        with pytest.raises(DataError, match="other code, settings or sensors"):
            Journal.open(root, other_mark)
        assert derived_for(root, log, registry, before, other).source == "replay"
