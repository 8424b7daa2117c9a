"""EUROSUR-style reports through the API, valid against the schema the API publishes."""

from __future__ import annotations

import jsonschema  # type: ignore[import-untyped]

from borderwatch.share.reports import IMPACT_LEVELS

from .conftest import Api


def _schema(api: Api, name: str) -> dict[str, object]:
    doc = api.client.get("/openapi.json").json()
    components = doc["components"]["schemas"]
    return {"$ref": f"#/components/schemas/{name}", "components": {"schemas": components}}


def test_every_incident_as_an_event_report(api: Api) -> None:
    r = api.client.get("/api/v1/reports/events", headers=api.auth("an1"))
    assert r.status_code == 200
    reports = r.json()
    engine = api.service.engine
    assert {e["id"] for e in reports} == set(list(engine.incidents)[:100])
    schema = _schema(api, "EventReport")
    for e in reports:
        jsonschema.validate(e, schema)
        assert e["impact"] in IMPACT_LEVELS
        assert 0.0 <= e["confidence"] <= 1.0
        assert e["sector"] == engine.incidents[e["id"]].sector


def test_each_sector_with_its_impact_level(api: Api) -> None:
    r = api.client.get("/api/v1/reports/sectors", headers=api.auth("op1"))
    assert r.status_code == 200
    statuses = r.json()
    sectors = {s.id for s in api.app.state.api.sectors}
    assert {s["sector"] for s in statuses} == sectors
    schema = _schema(api, "SectorStatus")
    engine = api.service.engine
    for s in statuses:
        jsonschema.validate(s, schema)
        open_here = [
            i
            for i in engine.incidents.values()
            if i.sector == s["sector"] and i.state != "resolved"
        ]
        assert s.get("open_incidents", 0) == len(open_here)
        if not open_here:
            assert s["impact"] == "low"


def test_reports_are_not_for_partners(api: Api) -> None:
    for path in ("/api/v1/reports/events", "/api/v1/reports/sectors"):
        assert api.client.get(path, headers=api.auth("ly1")).status_code == 403
