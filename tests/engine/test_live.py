"""The live engine's view of a sensor is current: a detection counts the moment it is taken in,
not when its second leaves the reorder window at the next snapshot."""

from __future__ import annotations

from borderwatch.engine.live import LiveEngine
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import Detection, OperatorAction, SensorStatus

RADAR = "T05-R"
T0 = 1_795_515_000_000_000_000


def _plot(seq: int) -> Detection:
    return Detection(
        sensor_id=RADAR,
        kind="radar",
        seq=seq,
        time_ns=T0 + seq * 1_000_000_000,
        range_m=3000.0,
        bearing_deg=120.0,
        sigma_range_m=15.0,
        sigma_bearing_deg=0.5,
    )


def test_a_sensors_last_detection_shows_before_its_second_is_released() -> None:
    engine = LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})))
    assert engine.sensor_now(RADAR) is not None
    assert engine.sensor_now("no-such-sensor") is None
    for seq in range(1, 4):
        engine.take(seq, _plot(seq))
        now = engine.sensor_now(RADAR)
        assert now is not None
        assert now.last_detection_ns == _plot(seq).time_ns
    # The last snapshot's copy lags: the seconds are still in the 2 s window.
    assert engine.sensors[RADAR].last_detection_ns != _plot(3).time_ns


def test_a_tamper_report_is_an_alert_at_once_without_clearing_the_tracks() -> None:
    """A sensor's own fault report needs no other evidence: its alert (and incident) is out
    when the report is taken in, stamped with the report's time, while the seconds before it
    are still held; and it is not a snapshot, so the console's tracks are not cleared."""
    engine = LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})))
    for seq in range(1, 4):
        engine.take(seq, _plot(seq))
    before = engine.feed.last_seq
    report = SensorStatus(
        sensor_id="LS-N03", kind="line", seq=1, time_ns=_plot(3).time_ns, health="tampered"
    )
    engine.take(4, report)
    frames = engine.feed.since(before)
    assert frames is not None
    kinds = [f.kind for f in frames]
    assert kinds[:2] == ["alert", "incident"]
    assert "tracks" not in kinds
    (alert,) = engine.alerts.values()
    assert alert.rule == "sensor_tampered"
    assert alert.time_ns == report.time_ns
    assert alert.evidence[0] == "LS-N03"
    now = engine.sensor_now("LS-N03")
    assert now is not None
    assert now.health == "tampered"


def _emergency(action_id: str, cancel: bool = False, patrol: str = "NG-N03-1") -> OperatorAction:
    params = {"lat": "33.1", "lon": "11.2", "kind": "911 Alert", "device": "ng-dev-7"}
    if cancel:
        params["cancel"] = "1"
    return OperatorAction(
        id=action_id,
        user=patrol,
        agency="national_guard",
        role="patrol",
        time_ns=T0,
        action="emergency",
        params=params,
    )


def test_a_patrols_logged_emergency_is_a_p1_alert_and_an_incident_once() -> None:
    engine = LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})))
    engine.take(1, _emergency("EMG-ng-dev-7-1"))
    (alert,) = engine.alerts.values()
    assert (alert.rule, alert.priority, alert.category) == ("emergency", 1, "emergency")
    assert alert.sector is not None
    assert alert.sector.startswith("N")
    (incident,) = engine.incidents.values()
    assert incident.alert_ids == (alert.id,)
    assert incident.priority == 1
    # The same alarm delivered twice, and its cancellation, raise nothing more.
    engine.take(2, _emergency("EMG-ng-dev-7-1"))
    engine.take(3, _emergency("EMG-ng-dev-7-2", cancel=True))
    assert len(engine.alerts) == 1
    assert len(engine.incidents) == 1
    # A second alarm of the same patrol joins its incident.
    engine.take(4, _emergency("EMG-ng-dev-7-3"))
    assert len(engine.alerts) == 2
    (incident,) = engine.incidents.values()
    assert len(incident.alert_ids) == 2
    # A replay of the same log gives the same.
    again = LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})))
    for seq, action_id, cancel in (
        (1, "1", False),
        (2, "1", False),
        (3, "2", True),
        (4, "3", False),
    ):
        again.take(seq, _emergency(f"EMG-ng-dev-7-{action_id}", cancel))
    assert again.alerts == engine.alerts
    assert again.incidents == engine.incidents
    # Another patrol's alarm at the same place is its own incident, in its own queue: neither
    # an intrusion nor a fault of our equipment.
    engine.take(5, _emergency("EMG-ng-dev-8-1", patrol="NG-N03-2"))
    assert len(engine.incidents) == 2
    assert {i.category for i in engine.incidents.values()} == {"emergency"}
