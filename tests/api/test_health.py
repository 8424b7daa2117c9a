"""The probes for whoever runs the service, and the engine's status for the equipment view."""

from __future__ import annotations

from .conftest import Api


def test_healthz_and_readyz_need_no_login_and_say_nothing_of_the_picture(api: Api) -> None:
    r = api.client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    r = api.client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"ready": True, "lag_events": 0}


def test_the_engine_status_is_the_equipment_views(api: Api) -> None:
    assert api.client.get("/api/v1/engine").status_code == 401
    r = api.client.get("/api/v1/engine", headers=api.auth("op1"))
    assert r.status_code == 200
    status = r.json()
    assert status["ready"] is True
    assert status["seq"] == status["logged_seq"] == api.service.writer.last_seq
    assert status["faults"] == 0
    assert status["quarantined"] == 0
    assert status["last_step_ms"] >= 0
    assert api.client.get("/api/v1/engine", headers=api.auth("dz1")).status_code == 403


def test_readyz_is_503_until_the_picture_is_rebuilt(api: Api) -> None:
    rebuilt = api.service.rebuilt
    api.portal.call(rebuilt.clear)  # on the service's loop, as the engine would
    try:
        r = api.client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["ready"] is False
    finally:
        api.portal.call(rebuilt.set)
