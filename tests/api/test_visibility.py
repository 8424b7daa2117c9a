"""The stream's per-item rule, role by role, against the permission table."""

from __future__ import annotations

import pytest

from borderwatch.accounts import ROLES, Claims, Role, allowed
from borderwatch.api.visibility import sees, visible_frame
from borderwatch.engine import Frame, SensorState
from borderwatch.messages import ActionKind, Alert, Incident, OperatorAction, Patrol, Track

T = 1_773_471_600_000_000_000
TRACK = Track(id="K1", sector="N03", time_ns=T, lat=32.8, lon=11.4, state=(0.0, 0.0, 0.0, 0.0))
ALERT = Alert(id="A1", rule="crossing", time_ns=T, lat=32.8, lon=11.4)
OPEN = Incident(id="I1", sector="N03", opened_ns=T, updated_ns=T, lat=32.8, lon=11.4)
RELEASED = Incident(
    id="I2",
    sector="N03",
    opened_ns=T,
    updated_ns=T,
    lat=32.8,
    lon=11.4,
    releasable_to=("partner:ly",),
)
PATROL = Patrol(callsign="P1", agency="national_guard", time_ns=T, lat=32.8, lon=11.4)
SENSOR = SensorState(sensor_id="T05-R", kind="radar", sector="N03", lat=32.8, lon=11.4, health="ok")


def _action(kind: ActionKind, target: str | None) -> OperatorAction:
    return OperatorAction(
        id="A1", user="op1", agency="army", role="operator", time_ns=T, action=kind, target=target
    )


def _claims(role: Role, agency: str) -> Claims:
    return Claims(sub="u", agency=agency, role=role, iat=0, exp=1, jti="j", gen=0)


@pytest.mark.parametrize("role", ROLES)
def test_each_item_needs_its_permission(role: Role) -> None:
    agency = "partner:ly" if role == "partner" else "army"
    c = _claims(role, agency)
    assert sees(c, TRACK) == allowed(role, "read_tracks")
    assert sees(c, ALERT) == allowed(role, "read_alerts")
    assert sees(c, PATROL) == allowed(role, "read_patrols")
    assert sees(c, SENSOR) == allowed(role, "read_sensors")
    assert sees(c, OPEN) == allowed(role, "read_incidents")
    assert sees(c, RELEASED) == (allowed(role, "read_incidents") or role == "partner")
    assert sees(c, _action("note", "I1")) == allowed(role, "read_incidents")
    assert sees(c, _action("login", None)) == allowed(role, "read_audit")


def test_a_partner_of_another_country_sees_nothing_released_to_libya() -> None:
    assert not sees(_claims("partner", "partner:dz"), RELEASED)


def test_frames_are_cut_to_what_is_visible() -> None:
    partner = _claims("partner", "partner:ly")
    both = Frame(seq=5, kind="incident", time_ns=T, items=(OPEN, RELEASED))
    assert visible_frame(partner, both) == Frame(
        seq=5, kind="incident", time_ns=T, items=(RELEASED,)
    )
    assert visible_frame(partner, Frame(seq=6, kind="tracks", time_ns=T, items=(TRACK,))) is None
    # An empty tracks frame still goes to whoever reads tracks (it clears the map) ...
    empty = Frame(seq=7, kind="tracks", time_ns=T)
    assert visible_frame(_claims("operator", "army"), empty) == empty
    # ... and a reset always goes, even when nothing in it is visible.
    reset = Frame(seq=8, kind="reset", time_ns=T, items=(TRACK, OPEN))
    assert visible_frame(partner, reset) == Frame(seq=8, kind="reset", time_ns=T)
