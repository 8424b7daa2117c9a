"""POST /api/v1/detections: a gateway's batch is logged whole and answered with its seqs;
a bad batch is refused whole, named by its JSON path, counted, and leaves nothing in the log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from borderwatch.api import ApiSettings
from borderwatch.messages import Detection, SensorStatus
from borderwatch.store import StoreError

from .conftest import Api

URL = "/api/v1/detections"


def _radar(api: Api, seq: object, **changes: Any) -> dict[str, Any]:
    # At the picture's own time: the engine takes it without moving its clock on.
    return {
        "type": "detection",
        "sensor_id": "T05-R",
        "kind": "radar",
        "seq": seq,
        "time_ns": api.service.engine.tracks_time_ns,
        "range_m": 4200.0,
        "bearing_deg": 95.5,
        "sigma_range_m": 10.0,
        "sigma_bearing_deg": 0.5,
        **changes,
    }


def test_a_good_batch_is_logged_and_answered_with_its_seqs(api: Api) -> None:
    status = {"type": "status", "sensor_id": "T06-C", "kind": "camera", "seq": 7}
    batch = [_radar(api, 900_001), _radar(api, 900_002, range_m=4300.0)]
    batch.append({**status, "time_ns": api.service.engine.tracks_time_ns, "health": "degraded"})
    accepted_before = api.service.stats.accepted["http"]
    r = api.client.post(URL, json=batch, headers=api.auth("gw1"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["count"] == 3
    assert body["last_seq"] - body["first_seq"] == 2
    logged = list(api.service.log.read(after=body["first_seq"] - 1, limit=3))
    assert [e.seq for e in logged] == list(range(body["first_seq"], body["last_seq"] + 1))
    assert {e.source for e in logged} == {"http:gw1"}
    assert isinstance(logged[0].message, Detection)
    assert logged[1].message.range_m == 4300.0  # type: ignore[union-attr]
    assert isinstance(logged[2].message, SensorStatus)
    assert logged[2].message.health == "degraded"
    assert api.service.stats.accepted["http"] == accepted_before + 3
    metrics = api.client.get("/api/v1/metrics", headers=api.auth("adm1")).json()
    assert metrics["ingest"]["accepted"]["http"] == accepted_before + 3


def _bad(api: Api) -> list[tuple[str, bytes, str, str]]:
    """(id, body, field, words in the reason)."""
    good = json.dumps(_radar(api, 1))
    return [
        ("not-json", b'[{"type": detection}]', "$", "malformed"),
        ("not-an-array", good.encode(), "$", "Expected `array`, got `object`"),
        ("empty", b"[]", "$", "an empty batch"),
        (
            "wrong-type",
            f"[{good}, {json.dumps(_radar(api, 'two'))}]".encode(),
            "$[1].seq",
            "Expected `int`",
        ),
        (
            "nan",
            f"[{good}, {json.dumps(_radar(api, 2, range_m=float('nan')))}]".encode(),
            "$[1].range_m",
            "NaN and Infinity are not JSON numbers",
        ),
        (
            "huge-number",
            f'[{good[:-1]}, "snr_db": 1e400}}]'.encode(),
            "$[0].snr_db",
            "Number out of range",
        ),
        (
            "missing",
            json.dumps([{**_radar(api, 3), "time_ns": None}]).encode(),
            "$[0].time_ns",
            "got `null`",
        ),
        (
            "no-bearing",
            json.dumps([_radar(api, 4, bearing_deg=None)]).encode(),
            "$[0]",
            "needs `bearing_deg`",
        ),
        ("unknown-type", b'[{"type": "tracks"}]', "$[0].type", "Invalid value 'tracks'"),
        (
            "unknown-sensor",
            json.dumps([_radar(api, 5), _radar(api, 6, sensor_id="N99-R")]).encode(),
            "$[1].sensor_id",
            "unknown sensor 'N99-R'",
        ),
        (
            "lone-unknown-sensor",
            json.dumps([_radar(api, 7, sensor_id="N99-R")]).encode(),
            "$[0].sensor_id",
            "unknown sensor",
        ),
        (
            "wrong-kind",
            json.dumps(
                [_radar(api, 8, kind="camera", range_m=None, sigma_range_m=None, sensor_id="T05-R")]
            ).encode(),
            "$[0].kind",
            "is a radar, not a camera",
        ),
    ]


CASES = [
    "not-json",
    "not-an-array",
    "empty",
    "wrong-type",
    "nan",
    "huge-number",
    "missing",
    "no-bearing",
    "unknown-type",
    "unknown-sensor",
    "lone-unknown-sensor",
    "wrong-kind",
]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_batch_is_named_counted_and_not_logged(api: Api, case: str) -> None:
    (body, field, reason) = next(c[1:] for c in _bad(api) if c[0] == case)
    last = api.service.writer.last_seq
    rejected = sum(api.service.stats.rejected.values())
    r = api.client.post(URL, content=body, headers=api.auth("gw1"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert reason in r.json()["detail"]
    assert api.service.writer.last_seq == last
    assert sum(api.service.stats.rejected.values()) == rejected + 1


def test_every_bad_case_is_tested(api: Api) -> None:
    assert [c[0] for c in _bad(api)] == CASES


def test_limits_on_size_and_count(api: Api) -> None:
    small = api.app_with(ApiSettings(max_batch_bytes=2_000, max_batch=2))
    headers = api.auth("gw1")
    r = small.post(URL, json=[_radar(api, 10 + i) for i in range(3)], headers=headers)
    assert (r.status_code, r.json()["field"]) == (422, "$")
    assert "at most 2" in r.json()["detail"]
    r = small.post(URL, json=[_radar(api, 20 + i) for i in range(20)], headers=headers)
    assert r.status_code == 413
    assert "at most 2000" in r.json()["detail"]
    assert api.service.stats.rejected["http", "oversized"] == 1


def test_not_durable_is_503_not_accepted(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def full_disk(*_: object) -> range:
        raise StoreError("events.sqlite", "append not made durable (SQLITE_FULL)")

    monkeypatch.setattr(api.service.writer, "append", full_disk)
    r = api.client.post(URL, json=[_radar(api, 30)], headers=api.auth("gw1"))
    assert r.status_code == 503
    assert r.json()["detail"].startswith("not accepted")
    assert "sqlite" not in r.json()["detail"].lower()
