"""The twin's crossing-post traffic: deterministic from its seed, every passport zone valid,
plates in their countries' forms, and a few listed travellers under another writing of their
listed name (never the list's own Latin form), the truth kept beside the passages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from borderwatch.ops.checkpoints import load_list, parse_mrz, parse_plate
from borderwatch.ops.checkpoints.records import POSTS
from borderwatch.twin.checkpoints import checkpoint_traffic


def test_the_same_seed_gives_the_same_traffic() -> None:
    assert checkpoint_traffic(5, hours=0.2) == checkpoint_traffic(5, hours=0.2)
    assert checkpoint_traffic(5, hours=0.2) != checkpoint_traffic(6, hours=0.2)


def test_passages_are_what_a_lane_reads(tmp_path: Path) -> None:
    traffic = checkpoint_traffic(11, hours=1.0, listed_share=0.05)
    passages = traffic.passages
    assert [p.time_s for p in passages] == sorted(p.time_s for p in passages)
    assert {p.post for p in passages} == set(POSTS)
    ras = sum(p.post == "ras_ajdir" for p in passages)
    assert ras > 2 * (len(passages) - ras)  # Ras Ajdir carries most of the traffic
    for p in passages:
        assert p.lane in POSTS[p.post]
        doc = parse_mrz(p.mrz)  # every check digit right
        assert doc.issuing_state in ("TUN", "LBY")
        if p.plate is not None:
            assert parse_plate(p.plate).country in ("TN", "LY")
    by_vehicle: dict[int, set[str | None]] = {}
    for p in passages:
        by_vehicle.setdefault(p.vehicle, set()).add(p.plate)
    assert all(len(plates) == 1 for plates in by_vehicle.values())  # one vehicle, one plate

    (tmp_path / "twin.csv").write_text(traffic.list_csv, encoding="utf-8")
    listed = load_list(tmp_path / "twin.csv")
    assert not listed.errors
    assert len(listed.entries) == 300
    on_list = [p for p in passages if p.listed is not None]
    assert 0.02 < len(on_list) / len(passages) < 0.10
    assert len({p.listed for p in on_list}) == len(on_list)  # each listed person once
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(traffic.list_csv))}
    for p in on_list:
        latin = rows[p.listed or ""]["names"].split("|")[1]
        doc = parse_mrz(p.mrz)
        # The passport writes the name its own way: never the list's English form.
        assert f"{doc.given_names} {doc.surname}".upper() != latin.upper()
