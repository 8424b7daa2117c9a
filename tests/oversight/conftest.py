"""A week of the twin in a data directory, worked by the exercise's scripted room, with a
crossing post's records and a disclosure ledger beside it: built once for the module."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from borderwatch.messages import Incident
from borderwatch.ops.checkpoints import LoadedList, LookoutEntry, Screener
from borderwatch.ops.checkpoints.records import CheckpointLog, PassageRecord, Traveller
from borderwatch.oversight.exercise import ExerciseSummary, run_exercise
from borderwatch.share.ledger import DisclosureLedger
from borderwatch.share.releasability import Released
from borderwatch.twin.scenario import parse_scenario

# Half an hour a night for a week (ISO week 11 of 2026, Monday 9 to Sunday 15 March), one
# sector, a few groups on foot and a jackal: small enough for the suite, busy enough that
# every figure has something in it.
WEEK = """
name = "oversight-week"
start = 2026-03-09T20:00:00Z
hours = 0.5
sectors = ["N03"]
clutter_scale = 0.05
[[movers]]
kind = "foot_smugglers"
groups = 3
group_size = [1, 3]
night_preference = 1.0
[[movers]]
kind = "wildlife"
animals = 1
"""
DATE = "2026-03-11"
NS = 1_000_000_000
T0 = int(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC).timestamp()) * NS

# The people's sectors: op-roam works N01 only, so its notes on N03 incidents are unusual.
SETTINGS = """
[law]
personal_data = true
[sectors]
op-n03 = ["N03"]
ng-desk = ["N03"]
op-roam = ["N01"]
[unusual]
bulk_views_per_hour = 5
"""


class Week:
    """The data directory and what the exercise saw live."""

    def __init__(self, root: Path, summary: ExerciseSummary) -> None:
        self.root = root
        self.summary = summary

    @property
    def incidents(self) -> dict[str, Incident]:
        return self.summary.incidents


def _checkpoints(root: Path) -> None:
    """Passages at Ras Ajdir on Tuesday: 8 recorded, all screened (one with a blank reason:
    the records refuse an empty one), two hits and their decisions, and an officer who
    looks at six records in one hour."""
    lookout = LoadedList(
        name="test",
        entries=(LookoutEntry(id="L1", names=("Karim Ben Salah",), documents=("X1234567",)),),
    )
    screener = Screener([lookout], on=dt.date(2026, 3, 10))
    log = CheckpointLog(root / "checkpoints.sqlite")
    try:
        for k in range(8):
            t = T0 + k * 60 * NS
            hit = k in (2, 5)
            log.record(
                PassageRecord(
                    id=f"RA-{k}",
                    time_ns=t,
                    post="ras_ajdir",
                    lane="L1",
                    direction="in",
                    traveller=Traveller(
                        document_type="P",
                        document_number="X1234567" if hit else f"Z{k:07d}",
                        issuing_country="LBY",
                        names_latin="Karim Ben Salah" if hit else f"Traveller Number{k}",
                    ),
                    officer="officer-a",
                )
            )
            log.screen(f"RA-{k}", screener, "officer-a", t + NS, " " if k == 7 else "at the lane")
            if hit:
                log.decide(f"RA-{k}", "referred" if k == 2 else "held", "officer-b", t + 2 * NS,
                           "second line")  # fmt: skip
        for k in range(6):
            log.view(f"RA-{k}", "officer-c", T0 + 3600 * NS + k * NS, "curiosity")
    finally:
        log.close()


def _ledger(root: Path, incidents: dict[str, Incident]) -> None:
    """Two partners: dz gets three incidents (one twice), ly one."""
    ledger = DisclosureLedger(root / "disclosures.sqlite")
    items = sorted(incidents.values(), key=lambda i: i.id)[:3]
    for partner, chosen in (("partner:dz", [*items, items[0]]), ("partner:ly", items[:1])):
        released = [
            Released(
                partner=partner,
                policy_version=1,
                released_ns=T0,
                retain_until_ns=T0 + 86400 * NS,
                onward_release=False,
                precision_m=1000.0,
                item=inc,
            )
            for inc in chosen
        ]
        ledger.record(released, f"liaison-{partner[-2:]}", "api_incidents")


@pytest.fixture(scope="package")
def week(tmp_path_factory: pytest.TempPathFactory) -> Week:
    root = tmp_path_factory.mktemp("week")
    # The engine's derivations recorded into the journal as the exercise runs, as the
    # service records them: the reports read them (test_journal checks them against a replay).
    summary = run_exercise(
        root, parse_scenario(WEEK, "oversight-week"), days=7, seed=3, journal=True
    )
    (root / "oversight.toml").write_text(SETTINGS)
    _checkpoints(root)
    _ledger(root, summary.incidents)
    return Week(root, summary)
