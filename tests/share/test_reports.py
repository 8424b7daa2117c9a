"""EUROSUR-style impact levels and confidence, rule by rule."""

from __future__ import annotations

import msgspec

from borderwatch.messages import Alert, ClassLikelihood, Incident, Track
from borderwatch.rules.config import Sections
from borderwatch.share.reports import (
    event_report,
    incident_confidence,
    incident_impact,
    sector_statuses,
)

T = 1_780_000_000 * 10**9
INC = Incident(id="I1", sector="N03", opened_ns=T, updated_ns=T, lat=32.8, lon=11.3, priority=2)
GROUP = Track(
    id="T1",
    sector="N03",
    time_ns=T,
    lat=32.8,
    lon=11.3,
    state=(0.0, 0.0, 0.0, 0.0),
    classes=ClassLikelihood(person=0.8, vehicle=0.1, animal=0.05, unknown=0.05),
    group_size=4,
    quality=0.83,
)


def _alert(i: int, sensors: tuple[str, ...], rule: str = "approach") -> Alert:
    return Alert(
        id=f"A{i}",
        rule=rule,
        time_ns=T,
        lat=32.8,
        lon=11.3,
        sector="N03",
        evidence=tuple(f"{s}/{k}" for k, s in enumerate(sensors)),
    )


def test_impact_from_priority_raised_for_a_group_and_low_for_a_nuisance() -> None:
    assert incident_impact(INC) == "high"
    assert incident_impact(INC, [GROUP]) == "critical"
    p4 = msgspec.structs.replace(INC, priority=4)
    assert incident_impact(p4) == "low"
    nuisance = msgspec.structs.replace(INC, state="resolved", outcome="nuisance")
    assert incident_impact(nuisance, [GROUP]) == "low"


def test_confidence_from_tracks_else_from_how_many_sensors_saw_it() -> None:
    assert incident_confidence(INC, [], [GROUP]) == 0.83
    assert incident_confidence(INC, [_alert(1, ("T01-R",))], []) == 0.5
    assert incident_confidence(INC, [_alert(1, ("T01-R", "T01-C", "LS-N03"))], []) == 0.8
    caught = msgspec.structs.replace(INC, state="resolved", outcome="apprehended")
    assert incident_confidence(caught, [], []) == 1.0


def test_an_event_report_says_what_crossed() -> None:
    inc = msgspec.structs.replace(INC, alert_ids=("A1",), track_ids=("T1",))
    report = event_report(inc, {"A1": _alert(1, ("T01-R",), "crossing")}, {"T1": GROUP})
    assert (report.category, report.people, report.vehicles) == ("illegal_crossing", 4, 0)
    assert (report.impact, report.confidence) == ("critical", 0.83)


def test_a_saturated_sector_goes_up_a_level() -> None:
    incidents = [msgspec.structs.replace(INC, id=f"I{i}", priority=3) for i in range(3)]
    (n03, n04) = sector_statuses(["N03", "N04"], incidents, [_alert(1, ("x",))], {}, T + 60)
    assert (n03.impact, n03.open_incidents, n03.alerts_last_hour) == ("high", 3, 1)
    assert (n04.impact, n04.open_incidents) == ("low", 0)
    # Stamped with the sector's last change, so a delay runs from it.
    assert (n03.time_ns, n04.time_ns) == (T, 0)
    # Each with its designated level beside the situation's (the settings' default here).
    assert (n03.designated, n04.designated) == ("medium", "medium")


def test_a_sectors_designated_level_is_the_settings_and_not_the_situations() -> None:
    incidents = [msgspec.structs.replace(INC, id=f"I{i}", priority=3) for i in range(3)]
    sections = Sections(impact={"N04": "high"}, default="low")
    (n03, n04) = sector_statuses(["N03", "N04"], incidents, [], {}, T + 60, sections=sections)
    assert (n03.impact, n03.designated) == ("high", "low")
    assert (n04.impact, n04.designated) == ("low", "high")


def test_a_designated_level_moves_an_intrusions_priority_within_p1_to_p4() -> None:
    sections = Sections(impact={"N01": "high", "N02": "low", "N03": "critical"})
    assert [sections.priority(p, "N01") for p in (1, 2, 3, 4)] == [1, 1, 2, 3]
    assert [sections.priority(p, "N02") for p in (1, 2, 3, 4)] == [1, 3, 4, 4]
    assert [sections.priority(p, "N03") for p in (1, 2, 3, 4)] == [1, 1, 1, 2]
    assert [sections.priority(p, "N09") for p in (1, 2, 3, 4)] == [1, 2, 3, 4]
    assert sections.priority(2, None) == 2
    # Without keep_p1, a low section's P1 waits a step too: the operator's choice to make.
    relaxed = msgspec.structs.replace(sections, keep_p1=False)
    assert relaxed.priority(1, "N02") == 2
