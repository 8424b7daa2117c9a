"""Incidents: alerts about the same movers grouped; the operators' lifecycle."""

from __future__ import annotations

import msgspec
import pytest

from borderwatch.geo.projection import to_lonlat
from borderwatch.messages import Alert, GeoPoint
from borderwatch.rules import IncidentBook, LifecycleError
from borderwatch.rules.config import Incidents

X0, Y0 = 730_000.0, 3_630_000.0


def _alert(
    n: int,
    t_s: float,
    dx: float = 0.0,
    tracks: tuple[str, ...] = (),
    priority: int = 3,
    category: str = "intrusion",
    evidence: tuple[str, ...] = (),
    sector: str | None = None,
) -> Alert:
    lon, lat = to_lonlat(X0 + dx, Y0)
    return Alert(
        id=f"A{n:06d}",
        rule="approach",
        time_ns=round(t_s * 1e9),
        lat=float(lat),
        lon=float(lon),
        priority=priority,
        category=category,  # type: ignore[arg-type]
        track_ids=tracks,
        evidence=evidence,
        sector=sector,
    )


def test_alerts_on_one_track_make_one_incident_at_the_highest_priority() -> None:
    book = IncidentBook(Incidents())
    first = book.take([_alert(1, 100.0, tracks=("T000001",), priority=2)])
    later = book.take([_alert(2, 5000.0, dx=9000.0, tracks=("T000001",), priority=1)])
    assert [i.id for i in first] == [i.id for i in later] == ["I000001"]
    inc = later[0]
    assert inc.alert_ids == ("A000001", "A000002")
    assert inc.priority == 1
    assert inc.opened_ns < inc.updated_ns
    assert inc.state == "new"


def test_alerts_close_in_place_and_time_merge_and_far_ones_do_not() -> None:
    book = IncidentBook(Incidents(merge_radius_m=1500.0, merge_window_s=1800.0))
    book.take([_alert(1, 0.0, tracks=("T000001",))])
    near = book.take([_alert(2, 600.0, dx=800.0, tracks=("T000002",))])  # the group, re-tracked
    far = book.take([_alert(3, 700.0, dx=5000.0, tracks=("T000003",))])
    late = book.take([_alert(4, 5000.0, dx=800.0, tracks=("T000004",))])
    assert [i.id for i in near + far + late] == ["I000001", "I000002", "I000003"]
    assert near[0].track_ids == ("T000001", "T000002")


def _aimed(n: int, t_s: float, dx: float, aim_dx: float, aim_t_s: float) -> Alert:
    """An approach alert at `dx`, its movers predicted on the line at `aim_dx` at `aim_t_s`."""
    lon, lat = to_lonlat(X0 + aim_dx, Y0)
    at = GeoPoint(lat=float(lat), lon=float(lon), time_ns=round(aim_t_s * 1e9))
    a = _alert(n, t_s, dx=dx, tracks=(f"T{n:06d}",))
    return msgspec.structs.replace(a, predicted_crossing=at)


def _breach(n: int, t_s: float, dx: float) -> Alert:
    a = _alert(n, t_s, dx=dx, priority=1)
    return msgspec.structs.replace(a, rule="line_breach")


def test_a_breach_where_an_incident_said_its_movers_would_cross_joins_it() -> None:
    """Far from the incident's latest place, but at its aim: the fibre firing at the gap the
    approach alert warned of is that crossing. And later than the window after its last
    alert, but within it after the time the alert said they would be there (walkers crawl the
    last stretch slower than they walked); past both, a new incident."""
    book = IncidentBook(Incidents(merge_radius_m=1500.0, merge_window_s=1800.0))
    book.take([_aimed(1, 0.0, dx=-4000.0, aim_dx=0.0, aim_t_s=1200.0)])
    at_aim = book.take([_breach(2, 2900.0, dx=300.0)])
    assert [i.id for i in at_aim] == ["I000001"]
    book.take([_aimed(3, 10_000.0, dx=-4000.0, aim_dx=0.0, aim_t_s=11_200.0)])
    too_late = book.take([_breach(4, 11_200.0 + 2000.0, dx=300.0)])
    assert [i.id for i in too_late] == ["I000003"]
    elsewhere = book.take([_breach(5, 10_500.0, dx=3000.0)])
    assert [i.id for i in elsewhere] == ["I000004"]


def test_system_alerts_merge_by_what_they_are_about() -> None:
    book = IncidentBook(Incidents())
    a = book.take([_alert(1, 0.0, category="system", evidence=("T01-R",))])
    b = book.take([_alert(2, 60.0, category="system", evidence=("T01-R",))])
    c = book.take([_alert(3, 60.0, category="system", evidence=("T02-R",))])
    assert [i.id for i in a + b + c] == ["I000001", "I000001", "I000002"]


def test_a_towers_faults_are_one_incident_and_a_silent_sectors_take_its_sensors() -> None:
    book = IncidentBook(Incidents(), {"T01-R": "T01", "T01-C": "T01", "T02-R": "T02"})
    radar = book.take([_alert(1, 0.0, category="system", evidence=("T01-R",), sector="N01")])
    camera = book.take([_alert(2, 9.0, category="system", evidence=("T01-C",), sector="N01")])
    both = book.take([_alert(3, 99.0, category="system", evidence=("T01", "T01-C", "T01-R"))])
    other = book.take([_alert(4, 99.0, category="system", evidence=("T02-R",), sector="N01")])
    assert [i.id for i in radar + camera + both + other] == ["I000001"] * 3 + ["I000002"]
    assert radar[0].category == "system"
    # A sector gone silent is one fault; its sensors' reports then join it.
    (cut,) = book.take([_alert(5, 200.0, category="system", evidence=("N02",), sector="N02")])
    (ugs,) = book.take([_alert(6, 300.0, category="system", evidence=("U-N02-1",), sector="N02")])
    assert cut.id == ugs.id == "I000003"
    assert ugs.alert_ids == ("A000005", "A000006")
    # Intrusions never join a fault, whatever they share.
    (intr,) = book.take([_alert(7, 300.0, evidence=("T01-R/5",), sector="N02")])
    assert intr.id == "I000004"
    assert intr.category == "intrusion"


def test_the_lifecycle_new_acknowledged_assigned_resolved() -> None:
    book = IncidentBook(Incidents())
    (inc,) = book.take([_alert(1, 0.0, tracks=("T000001",))])
    with pytest.raises(LifecycleError, match="cannot become assigned"):
        book.transition(inc.id, "assigned", 1, patrol="NG-N04-1")
    book.transition(inc.id, "acknowledged", 10)
    with pytest.raises(LifecycleError, match="needs a patrol"):
        book.transition(inc.id, "assigned", 20)
    assigned = book.transition(inc.id, "assigned", 20, patrol="NG-N04-1")
    assert assigned.assigned_patrol == "NG-N04-1"
    done = book.transition(inc.id, "resolved", 30, outcome="apprehended")
    assert done.state == "resolved"
    assert done.outcome == "apprehended"
    with pytest.raises(LifecycleError):
        book.transition(inc.id, "acknowledged", 40)
    with pytest.raises(LifecycleError, match="no incident"):
        book.transition("I999999", "acknowledged", 40)
    # A resolved incident takes no more alerts: the same track again opens a new one.
    (again,) = book.take([_alert(2, 50.0, tracks=("T000001",))])
    assert again.id == "I000002"
