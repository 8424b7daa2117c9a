"""Alarm management, pure: queues with bursts rolled up and shelved alarms left out, the
operator load per position, standing and chattering alarms; each setting changes what an
operator sees."""

from __future__ import annotations

import pytest

from borderwatch.messages import Alert, Incident
from borderwatch.rules import IncidentBook
from borderwatch.rules.alarms import load, queue
from borderwatch.rules.config import Alarms, Incidents

S = 1_000_000_000
T0 = 1_780_000_000 * S


def _alert(n: int, t_s: float, sector: str = "N03", rule: str = "approach", **kw: object) -> Alert:
    kw.setdefault("track_ids", (f"T{n:06d}",))
    return Alert(
        id=f"A{n:06d}",
        rule=rule,
        time_ns=T0 + round(t_s * S),
        lat=33.0,
        lon=11.0,
        sector=sector,
        **kw,  # type: ignore[arg-type]
    )


def _book(alerts: list[Alert]) -> tuple[IncidentBook, list[Incident]]:
    book = IncidentBook(Incidents(merge_radius_m=1.0, merge_window_s=1.0))
    for a in alerts:
        book.take([a])
    return book, [o.incident for o in book.open.values()]


def test_a_burst_of_one_rule_in_one_sector_is_one_entry_with_its_count() -> None:
    burst = [_alert(k, 30.0 * k) for k in range(1, 13)]  # 12 approaches in 6 min
    lone = [_alert(20, 5000.0), _alert(21, 60.0, sector="N04"), _alert(22, 90.0, rule="crossing")]
    _, incidents = _book(burst + lone)
    entries = queue(burst + lone, incidents, T0, "intrusion", Alarms())
    counts = sorted((e.rule, e.sector, e.count) for e in entries)
    assert counts == [
        ("approach", "N03", 1),
        ("approach", "N03", 12),
        ("approach", "N04", 1),
        ("crossing", "N03", 1),
    ]
    # Fewer than rollup_min in the window: listed one by one.
    one_by_one = queue(burst, incidents, T0, "intrusion", Alarms(rollup_min=13))
    assert [e.count for e in one_by_one] == [1] * 12
    # A shorter window cuts the burst in two.
    halves = queue(burst, incidents, T0, "intrusion", Alarms(rollup_window_s=170.0))
    assert sorted(e.count for e in halves) == [6, 6]


def test_shelved_alarms_leave_the_queue_until_the_shelf_ends_and_an_escalation_ends_it() -> None:
    alerts = [_alert(1, 0.0, priority=3), _alert(2, 10.0, sector="N05")]
    book, _ = _book(alerts)
    book.shelve("I000001", T0 + 600 * S, "camels", "op1", T0)
    shelved = [o.incident for o in book.open.values()]
    assert [e.alert_ids for e in queue(alerts, shelved, T0 + 60 * S, "intrusion", Alarms())] == [
        ("A000002",)
    ]
    back = queue(alerts, shelved, T0 + 601 * S, "intrusion", Alarms())
    assert sorted(e.alert_ids for e in back) == [("A000001",), ("A000002",)]
    # The shelved incident's track is seen crossing (priority 1): it is back at once.
    (inc,) = book.take([_alert(3, 20.0, priority=1, track_ids=("T000001",))])
    assert inc.id == "I000001"
    assert inc.shelved_until_ns is None


def test_system_alerts_are_never_in_the_intrusion_queue() -> None:
    fault = _alert(1, 0.0, rule="site_down", category="system", evidence=("T05",))
    _, incidents = _book([fault])
    assert queue([fault], incidents, T0, "intrusion", Alarms()) == []
    assert [e.rule for e in queue([fault], incidents, T0, "system", Alarms())] == ["site_down"]


SECTORS = ["N01", "N02", "N03", "N04", "N05", "N06"]


def test_the_load_per_position_per_window() -> None:
    alerts = [_alert(k, 60.0 * k, sector="N01") for k in range(12)]  # 12 in 12 min
    alerts += [_alert(50, 100.0, sector="N06")]
    _, incidents = _book(alerts)
    out = load(alerts, incidents, SECTORS, T0, T0 + 3600 * S, Alarms())
    assert [(p.position, p.alerts, p.windows) for p in out.positions] == [
        ("N01-N04", 12, 6),
        ("N05-N06", 1, 6),
    ]
    assert out.positions[0].per_window_max == 10  # minutes 0-9
    assert out.positions[0].per_window_avg == 2.0
    assert out.positions[0].flood_windows == 0
    one_each = load(alerts, incidents, SECTORS, T0, T0 + 3600 * S, Alarms(sectors_per_position=1))
    assert len(one_each.positions) == 6
    wide = load(alerts, incidents, SECTORS, T0, T0 + 3600 * S, Alarms(load_window_s=3600.0))
    assert wide.positions[0].per_window_max == 12
    assert wide.positions[0].flood_windows == 1


@pytest.mark.parametrize(("standing_s", "n"), [(1800.0, 1), (7200.0, 0)])
def test_standing_alarms(standing_s: float, n: int) -> None:
    alerts = [_alert(1, 0.0)]
    _, incidents = _book(alerts)
    out = load(alerts, incidents, SECTORS, T0, T0 + 3600 * S, Alarms(standing_s=standing_s))
    assert len(out.standing) == n


@pytest.mark.parametrize(("chatter_min", "chattering"), [(3, ["T000001"]), (5, [])])
def test_chattering_alarms(chatter_min: int, chattering: list[str]) -> None:
    alerts = [_alert(k, 60.0 * k, track_ids=("T000001",)) for k in range(1, 5)]
    _, incidents = _book(alerts)
    out = load(alerts, incidents, SECTORS, T0, T0 + 3600 * S, Alarms(chatter_min=chatter_min))
    assert [c.source for c in out.chattering] == chattering
