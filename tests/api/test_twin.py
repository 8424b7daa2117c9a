"""GET /api/v1/twin: the live twin's script (its next crossing due, on the service's clock)
only when a twin feeds the system; a real border has none. The path a user takes (`borderwatch
run --twin`) is tested in tests/service/test_first_alert_run.py."""

from __future__ import annotations

from borderwatch.api import ApiSettings
from borderwatch.twin.script import Due, LiveScript

from .conftest import Api

NS = 10**9


def test_without_a_twin_there_is_no_script(api: Api) -> None:
    r = api.client.get("/api/v1/twin", headers=api.auth("op1"))
    assert r.status_code == 200, r.text
    assert r.json()["scenario"] is None
    assert r.json().get("next_crossing") is None
    assert api.client.get("/api/v1/twin").status_code == 401


def test_the_next_crossing_is_due_on_the_services_clock(api: Api) -> None:
    now = api.service.clock()
    script = LiveScript(
        scenario="s",
        speed=4.0,
        from_s=1000.0,
        duration_s=7200.0,
        due=[Due(1300.0, "N03", "person", "G1"), Due(5000.0, "N03", "vehicle", "G2")],
    )
    client = api.app_with(ApiSettings(twin=script))
    body = client.get("/api/v1/twin", headers=api.auth("op1")).json()
    assert body["scenario"] == "s"
    assert body["start_ns"] is None  # not started: nothing due yet
    assert body.get("next_crossing") is None
    script.start_ns = now - 1000 * NS  # the day started at its second 1000, now
    body = client.get("/api/v1/twin", headers=api.auth("op1")).json()
    nxt = body["next_crossing"]
    assert nxt["due_ns"] == script.start_ns + 1300 * NS
    assert nxt["sector"] == "N03"
    assert nxt["cls"] == "person"
    assert 290.0 < nxt["in_s"] <= 300.0
    assert nxt["in_wall_s"] == round(nxt["in_s"] / 4.0, 1)
    assert body["from_s"] == 1000.0
