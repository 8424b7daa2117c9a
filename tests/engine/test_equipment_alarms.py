"""Alarms about our own equipment, through the live engine the service runs: a twin run on
one sector against the whole layout raises nothing about the sectors it does not feed (their
sensors were never heard: unknown, not down), and what it raises is never in the intrusion
queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch.engine.live import LiveEngine
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Detection, SensorStatus, decode_lines
from tests.scenarios import TEN_MINUTES, simulate_text


@pytest.fixture(scope="module")
def ten_minutes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulate_text(tmp_path_factory.mktemp("ten"), TEN_MINUTES) / "messages.jsonl"


def _engine(messages: Path) -> LiveEngine:
    engine = LiveEngine(Registry.from_layout(load_sites()))  # every sector of the layout
    seq = 0
    for m in decode_lines(messages.read_bytes().splitlines()):
        if isinstance(m, Detection | SensorStatus):
            seq += 1
            engine.take(seq, m, m.time_ns)
    return engine


def test_the_twin_on_one_sector_raises_nothing_about_the_others(ten_minutes: Path) -> None:
    engine = _engine(ten_minutes)
    others = [a for a in engine.alerts.values() if a.sector != "N03"]
    assert others == []  # before: every radar, camera and fibre of the other sectors, P2
    n03 = {s for s, p in engine.registry.places.items() if p.sector == "N03"}
    states = {sid: engine.sensor_now(sid) for sid in engine.registry.places}
    assert {s.health for sid, s in states.items() if s and sid not in n03} == {"unknown"}
    assert {s.health for sid, s in states.items() if s and sid in n03} <= {"ok", "unknown"}
    assert any(s.health == "ok" for sid, s in states.items() if s and sid in n03)


def test_a_tower_that_falls_silent_is_one_alarm_in_the_health_queue(ten_minutes: Path) -> None:
    """Tower T05's radar and camera stop talking after three minutes: one `site_down`
    alarm, a system incident of its own, and nothing of it in the intrusion queue."""
    cut_ns: int | None = None
    kept = []
    for m in decode_lines(ten_minutes.read_bytes().splitlines()):
        if not isinstance(m, Detection | SensorStatus):
            continue
        cut_ns = cut_ns or m.time_ns + 180_000_000_000
        if m.sensor_id.startswith("T05-") and m.time_ns > cut_ns:
            continue
        kept.append(m)
    path = ten_minutes.parent / "t05-cut.jsonl"
    from borderwatch.messages import encode_lines

    path.write_bytes(encode_lines(kept))
    engine = _engine(path)
    system = [a for a in engine.alerts.values() if a.category == "system"]
    assert [(a.rule, a.evidence) for a in system] == [("site_down", ("T05", "T05-C", "T05-R"))]
    faults = [i for i in engine.incidents.values() if i.category == "system"]
    assert [i.alert_ids for i in faults] == [(system[0].id,)]
    intrusion: list[Alert] = [a for a in engine.alerts.values() if a.category == "intrusion"]
    assert not {a.id for a in intrusion} & set(faults[0].alert_ids)
    assert engine.sensor_now("T05-R").health == engine.sensor_now("T05-C").health == "down"  # type: ignore[union-attr]
