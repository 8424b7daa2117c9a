"""Shelving an alarm is an operator action the engine checks and applies like any other:
a reason, an end after its start and within `rules.alarms.shelve_max_s`, an open incident;
applied, it marks the incident, and unshelving clears it."""

from __future__ import annotations

import msgspec
import pytest

from borderwatch.engine.config import EngineConfig
from borderwatch.engine.live import ActionError, LiveEngine
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import OperatorAction, SensorStatus
from borderwatch.rules.config import Alarms

T0 = 1_795_515_000_000_000_000
HOUR = 3600 * 10**9


def _engine(config: EngineConfig | None = None) -> tuple[LiveEngine, str]:
    engine = LiveEngine(Registry.from_layout(load_sites().in_sectors({"N03"})), config=config)
    engine.take(1, SensorStatus(sensor_id="LS-N03", kind="line", seq=1, time_ns=T0, health="ok"))
    report = SensorStatus(
        sensor_id="LS-N03", kind="line", seq=2, time_ns=T0 + 10**9, health="tampered"
    )
    engine.take(2, report)
    (iid,) = engine.incidents
    return engine, iid


def _shelve(iid: str, hours: float, why: str = "fibre crew on site") -> OperatorAction:
    return OperatorAction(
        id="A1",
        user="op1",
        agency="national_guard",
        role="operator",
        time_ns=T0 + 2 * 10**9,
        action="shelve",
        target=iid,
        why=why,
        params={"until_ns": str(T0 + 2 * 10**9 + round(hours * HOUR))},
    )


def test_a_shelf_needs_a_reason_and_an_end_within_the_longest_allowed() -> None:
    engine, iid = _engine()
    with pytest.raises(ActionError, match="needs a reason"):
        engine.check(_shelve(iid, 1.0, why=" "))
    with pytest.raises(ActionError, match="within 8 h"):
        engine.check(_shelve(iid, 9.0))
    with pytest.raises(ActionError, match="not shelved"):
        engine.check(msgspec.structs.replace(_shelve(iid, 1.0), action="unshelve"))
    engine.take(3, _shelve(iid, 1.0))
    inc = engine.incidents[iid]
    assert inc.shelved_until_ns == T0 + 2 * 10**9 + HOUR
    assert (inc.shelved_by, inc.shelved_reason) == ("op1", "fibre crew on site")
    engine.take(4, msgspec.structs.replace(_shelve(iid, 1.0), id="A2", action="unshelve"))
    assert engine.incidents[iid].shelved_until_ns is None


def test_shelve_max_s_sets_the_longest_shelf() -> None:
    base = EngineConfig()
    longer = msgspec.structs.replace(
        base, rules=msgspec.structs.replace(base.rules, alarms=Alarms(shelve_max_s=12 * 3600.0))
    )
    engine, iid = _engine(longer)
    engine.check(_shelve(iid, 9.0))  # refused at 8 h, taken at 12 h
    with pytest.raises(ActionError, match="within 12 h"):
        engine.check(_shelve(iid, 13.0))
