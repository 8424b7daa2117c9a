"""The posts' desk: what the lane scans becomes a passage (or an error naming the field), the
lists in the data directory are loaded, and retention sweeps by itself, at most hourly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from borderwatch.ops.checkpoints import CheckpointError
from borderwatch.ops.checkpoints.desk import PURGE_EVERY_NS, Desk, lane_passage
from borderwatch.ops.checkpoints.mrz import parse_mrz, write_td3
from borderwatch.ops.checkpoints.records import DAY_NS, Retention

T0 = 1_796_000_000 * 10**9  # 2026-12-01 UTC
ZONE = write_td3(
    surname="BEN AMOR",
    given_names="SAMI",
    number="X1234567",
    issuing_state="TUN",
    nationality="TUN",
    birth=dt.date(1980, 1, 2),
    sex="M",
    expiry=dt.date(2030, 6, 30),
)


def _lane(**kw: object) -> dict[str, object]:
    args: dict[str, object] = {
        "pid": "p1",
        "time_ns": T0,
        "post": "ras_ajdir",
        "lane": "L1",
        "direction": "in",
        "mrz": ZONE,
        "plate": "١٢٣ تونس ٤٥٦٧",
        "names_arabic": " سامي بن عمر ",
        "officer": "cus1",
    }
    return args | kw


def test_write_td3_gives_the_icao_specimen() -> None:
    zone = write_td3(
        surname="ERIKSSON",
        given_names="ANNA MARIA",
        number="L898902C3",
        issuing_state="UTO",
        nationality="UTO",
        birth=dt.date(1974, 8, 12),
        sex="F",
        expiry=dt.date(2012, 4, 15),
        personal="ZE184226B",
    )
    assert zone == (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    )
    assert parse_mrz(zone).given_names == "ANNA MARIA"


def test_the_lane_makes_a_passage() -> None:
    rec = lane_passage(**_lane())  # type: ignore[arg-type]
    t = rec.traveller
    assert (t.document_type, t.document_number, t.issuing_country) == ("P", "X1234567", "TUN")
    assert (t.names_latin, t.names_arabic, t.dob) == ("SAMI BEN AMOR", "سامي بن عمر", "1980-01-02")
    assert rec.plate == "TN 123 TU 4567"
    assert lane_passage(**_lane(plate="  ")).plate is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"post": "tozeur"}, "$.post"),
        ({"lane": "T2", "post": "dehiba_wazen"}, "$.lane"),
        ({"mrz": ZONE.replace("X1234567<7", "X1234567<8")}, "$.mrz.document_number"),
        ({"mrz": ZONE[:-1] + "5"}, "$.mrz.composite"),
        ({"mrz": "P<TUN"}, "$.mrz"),
        ({"plate": "123 XX 4567"}, "$.plate"),
    ],
)
def test_a_bad_scan_names_its_field(change: dict[str, object], field: str) -> None:
    if "mrz" in change and change["mrz"] == ZONE:  # the replace above must have changed it
        pytest.fail("test zone changed")
    with pytest.raises(CheckpointError) as err:
        lane_passage(**_lane(**change))  # type: ignore[arg-type]
    assert err.value.field == field


def test_the_desk_loads_its_lists_and_sweeps_hourly(tmp_path: Path) -> None:
    lists = tmp_path / "checkpoints" / "lists"
    lists.mkdir(parents=True)
    (lists / "watch.csv").write_text(
        "id,names,dob,nationality,documents,plates,category,agency,valid_until\n"
        "W1,Sami Ben Amor|سامي بن عمر,1980,TUN,,,wanted,customs,\n"
        "W2,,1980,TUN,,,wanted,customs,\n",
        encoding="utf-8",
    )
    (lists / "README.txt").write_text("not a list")
    desk = Desk.open(tmp_path / "checkpoints", Retention(no_hit_days=30))
    assert [lst.name for lst in desk.lists] == ["watch"]
    assert len(desk.refused) == 1
    assert "names" in desk.refused[0]
    desk.log.record(lane_passage(**_lane()))  # type: ignore[arg-type]
    assert [h.entry for h in desk.log.screen("p1", desk.screener, "cus1", T0, "lane")] == ["W1"]
    desk.log.record(lane_passage(**_lane(pid="p2", mrz=ZONE, names_arabic="")))  # type: ignore[arg-type]
    desk.log.record(lane_passage(**_lane(pid="p3", time_ns=T0 + 20 * DAY_NS)))  # type: ignore[arg-type]

    first = T0 + DAY_NS
    assert desk.maybe_purge(first) == {"passages": 0, "audit_rows": 0}
    assert desk.maybe_purge(first + PURGE_EVERY_NS - 1) is None  # swept under an hour ago
    # 31 days on: p2 (never screened, so no hit) is past its 30 days; p1 (a hit) and p3
    # (recorded 11 days ago) are kept.
    assert desk.maybe_purge(T0 + 31 * DAY_NS) == {"passages": 1, "audit_rows": 0}
    assert desk.log.passage_ids() == ["p1", "p3"]
