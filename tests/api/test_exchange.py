"""Every exit to a partner goes through the one releasability decision
(`borderwatch.share.releasability.release`), records what it sends, and never says who else an
item was released to: one test per exit (incident list, incident detail, the WebSocket, the
event feed), each watching the one function while the exit is used as a partner uses it."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

import borderwatch.share.releasability as release_module
from borderwatch.geo.projection import to_utm
from borderwatch.messages import Incident
from borderwatch.share import Policy, Released
from borderwatch.share.releasability import Item
from tests.api.conftest import Api

Calls = list[tuple[Item, str, Released | None]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Each call of the one decision: the item, the recipient and what it released."""
    seen: Calls = []
    original = release_module.release

    def spy(item: Item, recipient: str, policy: Policy, now_ns: int) -> Released | None:
        out = original(item, recipient, policy, now_ns)
        seen.append((item, recipient, out))
        return out

    monkeypatch.setattr(release_module, "release", spy)
    return seen


def _released_to_ly(api: Api) -> str:
    for inc in api.service.engine.incidents.values():
        if "partner:ly" in inc.releasable_to:
            return inc.id
    iid = api.incident_for("release")
    api.act("release", iid, agency="partner:ly")
    return iid


def _sent(calls: Calls) -> dict[str, dict[str, Any]]:
    """What the decision released, by item id, as the wire carries it."""
    return {
        out.item.id: msgspec.to_builtins(out.item)
        for _, _, out in calls
        if out is not None and isinstance(out.item, Incident)
    }


def _check_partner_view(api: Api, shown: list[dict[str, Any]], calls: Calls) -> None:
    assert calls, "the exit did not ask the one decision"
    assert {r for _, r, _ in calls} == {"partner:ly"}
    sent = _sent(calls)
    for item in shown:
        assert "releasable_to" not in item  # never who else
        assert item == sent[item["id"]]  # exactly what the decision released
        true = api.service.engine.incidents[item["id"]]
        assert (item["lat"], item["lon"]) != (true.lat, true.lon)  # coarsened


def _ledger(api: Api, exit: str) -> list[Any]:
    return [d for d in api.app.state.api.exchange.ledger.read("partner:ly") if d.exit == exit]


def test_the_incident_list_asks_the_one_decision(api: Api, calls: Calls) -> None:
    iid = _released_to_ly(api)
    before = len(_ledger(api, "api_incidents"))
    listed = api.client.get("/api/v1/incidents", headers=api.auth("ly1")).json()
    assert iid in {i["id"] for i in listed}
    _check_partner_view(api, listed, calls)
    recorded = _ledger(api, "api_incidents")[before:]
    assert {d.item_id for d in recorded} == {i["id"] for i in listed}
    assert {(d.user, d.policy_version) for d in recorded} == {("ly1", 0)}


def test_the_incident_detail_asks_the_one_decision(api: Api, calls: Calls) -> None:
    iid = _released_to_ly(api)
    r = api.client.get(f"/api/v1/incidents/{iid}", headers=api.auth("ly1"))
    assert r.status_code == 200
    _check_partner_view(api, [r.json()["incident"]], calls)
    assert _ledger(api, "api_incident")[-1].item_id == iid


def test_the_stream_asks_the_one_decision(api: Api, calls: Calls) -> None:
    iid = _released_to_ly(api)
    with api.client.websocket_connect("/api/v1/stream?after=0") as ws:
        ws.send_json({"token": api.token("ly1")})
        message = api.receive(ws)
    reset = msgspec.json.decode(message["text"])
    assert reset["kind"] == "reset"
    assert iid in {i["id"] for i in reset["items"]}
    _check_partner_view(api, reset["items"], calls)
    assert iid in {d.item_id for d in _ledger(api, "stream")}


def test_the_event_feed_asks_the_one_decision(api: Api, calls: Calls) -> None:
    iid = _released_to_ly(api)
    r = api.client.get("/api/v1/exchange/events", headers=api.auth("ly1"))
    assert r.status_code == 200
    page = r.json()
    incidents = [e["item"] for e in page["events"] if e["item"]["type"] == "incident"]
    assert iid in {i["id"] for i in incidents}
    _check_partner_view(api, incidents, calls)
    for e in page["events"]:
        assert e["partner"] == "partner:ly"
        assert e["onward_release"] is False
        assert e["retain_until_ns"] > e["released_ns"]
    # The cursor: asking again after the last item gives nothing already given.
    again = api.client.get(
        f"/api/v1/exchange/events?since={page['next_since']}", headers=api.auth("ly1")
    ).json()
    assert not {e["item"]["id"] for e in again["events"]} & {i["id"] for i in incidents}
    assert len(_ledger(api, "exchange_feed")) >= len(page["events"])


def test_the_event_feed_as_geojson(api: Api) -> None:
    _released_to_ly(api)
    fc = api.client.get("/api/v1/exchange/events?format=geojson", headers=api.auth("ly1")).json()
    assert fc["type"] == "FeatureCollection"
    assert fc["features"]
    for f in fc["features"]:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] == "Point"
        assert f["properties"]["item_type"] == "incident"
        assert "releasable_to" not in f["properties"]


def test_a_policy_file_widens_and_delays_what_goes_out(api: Api) -> None:
    """With a policy giving Libya sector status and tracks after 10 years' delay, nothing of
    the picture (hours old) is old enough; with no delay, tracks and statuses go out."""
    state = api.app.state.api
    base = Policy(
        partner="partner:ly",
        version=7,
        kinds=("incidents", "tracks", "sector_status"),
        sectors=("*",),
        delay_s=0.0,
        precision_m=5000.0,
        retention_days=2.0,
    )

    saved = dict(state.exchange.policies)
    try:
        state.exchange.policies["partner:ly"] = base
        page = api.client.get("/api/v1/exchange/events", headers=api.auth("ly1")).json()
        kinds = {e["item"]["type"] for e in page["events"]}
        assert "sector_status" in kinds
        assert {e["policy_version"] for e in page["events"]} == {7}
        assert all(e["precision_m"] == 5000.0 for e in page["events"])
        tracks = [e["item"] for e in page["events"] if e["item"]["type"] == "track"]
        assert all("cov" not in t and not t.get("friendly") for t in tracks)
        state.exchange.policies["partner:ly"] = msgspec.structs.replace(base, delay_s=30 * 86_400.0)
        late = api.client.get("/api/v1/exchange/events", headers=api.auth("ly1")).json()
        assert late["events"] == [] or all(
            e["released_ns"] - _time(e["item"]) >= 30 * 86_400 * 10**9 for e in late["events"]
        )
    finally:
        state.exchange.policies.clear()
        state.exchange.policies.update(saved)


def _time(item: dict[str, Any]) -> int:
    return int(item.get("updated_ns", item.get("time_ns", 0)))


@pytest.mark.parametrize("user", ["op1", "cmd1", "an1", "adm1", "gw1"])
def test_the_event_feed_is_for_partners(api: Api, user: str) -> None:
    r = api.client.get("/api/v1/exchange/events", headers=api.auth(user))
    assert r.status_code == 403


def test_a_commander_reads_what_went_out(api: Api) -> None:
    _released_to_ly(api)
    api.client.get("/api/v1/incidents", headers=api.auth("ly1"))
    r = api.client.get(
        "/api/v1/exchange/disclosures?partner=partner:ly&limit=1000", headers=api.auth("cmd1")
    )
    assert r.status_code == 200
    page = r.json()
    assert page["disclosures"]
    last = page["disclosures"][-1]
    assert (last["partner"], last["user"]) == ("partner:ly", "ly1")
    assert last["released"]["item"]["id"] == last["item_id"]
    assert page["next_after"] == last["seq"]
    after = api.client.get(
        f"/api/v1/exchange/disclosures?after={last['seq']}", headers=api.auth("an1")
    ).json()
    assert all(d["seq"] > last["seq"] for d in after["disclosures"])
    # Not for partners, nor operators (the audit trail's readers only).
    for user in ("ly1", "op1"):
        r = api.client.get("/api/v1/exchange/disclosures", headers=api.auth(user))
        assert r.status_code == 403


def test_the_stream_gives_a_partner_what_its_policy_gives(api: Api) -> None:
    """With tracks in its policy, a partner's stream carries tracks, coarsened to its grid
    and never our patrols'; with the default policy, none (tests above)."""
    state = api.app.state.api
    policy = Policy(
        partner="partner:ly",
        version=9,
        kinds=("incidents", "tracks"),
        sectors=("*",),
        delay_s=0.0,
        precision_m=5000.0,
        retention_days=1.0,
    )
    saved = dict(state.exchange.policies)
    try:
        state.exchange.policies["partner:ly"] = policy
        with api.client.websocket_connect("/api/v1/stream?after=0") as ws:
            ws.send_json({"token": api.token("ly1")})
            reset = msgspec.json.decode(api.receive(ws)["text"])
    finally:
        state.exchange.policies.clear()
        state.exchange.policies.update(saved)
    tracks = [i for i in reset["items"] if i["type"] == "track"]
    ours = [t for t in api.service.engine.tracks.values() if not t.friendly]
    assert len(tracks) == len(ours) > 0
    for t in tracks:
        assert "cov" not in t
        assert not t.get("friendly")
        x, y = to_utm(t["lon"], t["lat"])
        assert abs(float(x) % 5000.0 - 2500.0) < 0.01
        assert abs(float(y) % 5000.0 - 2500.0) < 0.01


def test_the_incident_list_follows_the_policy_not_the_role(api: Api) -> None:
    """A policy that does not ask for a commander's release (a close partner, say) gives
    every incident of its sectors; the list and the detail follow it, as the stream does."""
    state = api.app.state.api
    engine = api.service.engine
    unreleased = next(i for i in engine.incidents.values() if "partner:ly" not in i.releasable_to)
    policy = Policy(
        partner="partner:ly",
        version=2,
        kinds=("incidents",),
        sectors=(unreleased.sector,),
        delay_s=0.0,
        precision_m=100.0,
        retention_days=1.0,
        released_incidents_only=False,
    )
    saved = dict(state.exchange.policies)
    try:
        state.exchange.policies["partner:ly"] = policy
        listed = api.client.get("/api/v1/incidents?limit=1000", headers=api.auth("ly1")).json()
        detail = api.client.get(f"/api/v1/incidents/{unreleased.id}", headers=api.auth("ly1"))
    finally:
        state.exchange.policies.clear()
        state.exchange.policies.update(saved)
    assert {i["id"] for i in listed} == {
        i.id for i in engine.incidents.values() if i.sector == unreleased.sector
    }
    assert detail.status_code == 200
    assert detail.json()["incident"]["id"] == unreleased.id
