"""The WebSocket stream: a console authenticates with its first message, gets the frames
after the seq it asks for (a reset first if those are no longer kept), then each new frame
live; each role sees only its share; a client that falls behind is told where to resume."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from borderwatch.accounts import ROLES, Role
from borderwatch.api import ApiSettings
from borderwatch.api.stream import BAD_HELLO, BEHIND, FORBIDDEN, TOKEN_REFUSED
from borderwatch.engine import Frame

from .conftest import BY_ROLE, KEEP_FRAMES, Api


def _frame(api: Api, ws: Any) -> dict[str, Any]:
    message = api.receive(ws)
    assert message["type"] == "websocket.send", message
    frame: dict[str, Any] = msgspec.json.decode(message["text"])
    return frame


def _closed(api: Api, ws: Any) -> tuple[int, str]:
    message = api.receive(ws)
    assert message["type"] == "websocket.close", message
    return message["code"], message["reason"]


def _encoded(frame: Frame) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(frame))
    return out


def _note(api: Api, iid: str, text: str) -> None:
    r = api.client.post(
        f"/api/v1/incidents/{iid}/notes", json={"text": text}, headers=api.auth("cmd1")
    )
    assert r.status_code == 200, r.text


def test_a_console_from_scratch_gets_a_reset_then_live_frames(api: Api) -> None:
    assert api.service.feed.last_seq > KEEP_FRAMES  # frame 1 is no longer kept
    with api.client.websocket_connect("/api/v1/stream?after=0") as ws:
        ws.send_json({"token": api.token("an1")})
        reset = _frame(api, ws)
        assert reset["kind"] == "reset"
        assert reset["seq"] == api.service.feed.last_seq
        expected = _encoded(api.service.engine.reset_frame())
        assert reset == expected  # an analyst sees everything
        kinds = {i["type"] for i in reset["items"]}
        assert {"incident", "alert", "sensor", "patrol"} <= kinds
        iid = api.incident_for("note")
        _note(api, iid, "live")
        live = _frame(api, ws)
        assert (live["kind"], live["seq"]) == ("action", reset["seq"] + 1)
        assert (live["items"][0]["target"], live["items"][0]["why"]) == (iid, "live")


def test_reconnecting_with_after_gets_exactly_what_was_missed(api: Api) -> None:
    kept = list(api.service.feed.frames)
    after = kept[-12].seq
    missed = api.service.feed.since(after)
    assert missed is not None
    assert len(missed) == 11
    with api.client.websocket_connect(f"/api/v1/stream?after={after}") as ws:
        ws.send_json({"token": api.token("cmd1")})
        got = [_frame(api, ws) for _ in missed]
        assert got == [_encoded(f) for f in missed]
        _note(api, api.incident_for("note"), "after the catch-up")
        assert _frame(api, ws)["seq"] == missed[-1].seq + 1


def test_a_partner_streams_only_its_released_incidents(api: Api) -> None:
    released = api.incident_for("release")
    api.act("release", released, agency="partner:ly")
    with api.client.websocket_connect("/api/v1/stream?after=0") as ws:
        ws.send_json({"token": api.token("ly1")})
        reset = _frame(api, ws)
        assert reset["kind"] == "reset"
        assert reset["items"]
        assert {i["type"] for i in reset["items"]} == {"incident"}
        # Only incidents released to Libya, and never whom else they were released to.
        ours = {
            i.id for i in api.service.engine.incidents.values() if "partner:ly" in i.releasable_to
        }
        assert {i["id"] for i in reset["items"]} <= ours
        assert all("releasable_to" not in i for i in reset["items"])
        assert released in {i["id"] for i in reset["items"]}
        # A note on an unreleased incident and the release's own action frame are not for
        # partners; the incident frame of the release is the next thing it hears.
        others = {i.id for i in api.service.engine.incidents.values() if not i.releasable_to}
        unreleased = min(others)
        _note(api, unreleased, "not for partners")
        r = api.client.post(
            f"/api/v1/incidents/{unreleased}/release",
            json={"agency": "partner:ly"},
            headers=api.auth("cmd1"),
        )
        assert r.status_code == 200
        frame = _frame(api, ws)
        assert frame["kind"] == "incident"
        assert [i["id"] for i in frame["items"]] == [unreleased]
        assert frame["seq"] == api.service.feed.last_seq


def test_an_operator_does_not_hear_who_logged_in(api: Api) -> None:
    after = api.service.feed.last_seq
    with api.client.websocket_connect(f"/api/v1/stream?after={after}") as ws:
        ws.send_json({"token": api.token("op1")})
        login = api.client.post(
            "/api/v1/token", data={"username": "an1", "password": "correct horse battery"}
        )
        assert login.status_code == 200
        _note(api, api.incident_for("note"), "after a login")
        frame = _frame(api, ws)
        assert frame["seq"] == after + 2  # the login's frame (after + 1) was left out
        assert frame["items"][0]["action"] == "note"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_that_reads_something_may_follow(api: Api, role: Role) -> None:
    with api.client.websocket_connect("/api/v1/stream?after=0") as ws:
        ws.send_json({"token": api.token(BY_ROLE[role])})
        if role in ("gateway", "officer"):  # a post officer works travellers, not the picture
            code, reason = _closed(api, ws)
            assert code == FORBIDDEN
            assert role in reason
            return
        reset = _frame(api, ws)
        assert reset["kind"] == "reset"
        types = {i["type"] for i in reset["items"]}
        assert ("track" in types or not api.service.engine.tracks) == (
            role in ("operator", "commander", "analyst")
        )
        assert ("sensor" in types) == (role in ("operator", "commander", "analyst", "admin"))


@pytest.mark.parametrize(
    ("hello", "code", "reason"),
    [
        ({"token": "not-a-jwt"}, TOKEN_REFUSED, "malformed"),
        ({"user": "op1"}, BAD_HELLO, "first message"),
        ("op1", BAD_HELLO, "first message"),
    ],
    ids=["bad-token", "no-token", "not-an-object"],
)
def test_a_bad_hello_closes_with_a_reason(api: Api, hello: Any, code: int, reason: str) -> None:
    with api.client.websocket_connect("/api/v1/stream") as ws:
        ws.send_json(hello)
        got_code, got_reason = _closed(api, ws)
        assert got_code == code
        assert reason in got_reason


def test_no_hello_in_time_closes(api: Api) -> None:
    client = api.app_with(ApiSettings(stream_auth_timeout_s=0.2))
    with client.websocket_connect("/api/v1/stream") as ws:
        code, reason = _closed(api, ws)
        assert code == BAD_HELLO
        assert reason == 'send {"token": "..."} first'


def test_a_follower_that_falls_behind_is_told_where_to_resume(api: Api) -> None:
    client = api.app_with(ApiSettings(stream_backlog=2))
    after = api.service.feed.last_seq
    with client.websocket_connect(f"/api/v1/stream?after={after}") as ws:
        ws.send_json({"token": api.token("cmd1")})
        # Wait until the stream follows the feed (the note's frame arrives), then publish
        # five frames in one go: more than the backlog of two before the sender can run.
        _note(api, api.incident_for("note"), "before the burst")
        seen = _frame(api, ws)["seq"]

        def burst() -> None:
            for _ in range(5):
                api.service.feed.publish("action", 0, ())

        api.portal.call(lambda: _sync(burst))
        code, reason = _closed(api, ws)
        assert code == BEHIND
        # It took two of the five (invisible to it, so not sent) before it was let go.
        assert reason == f"fell behind: reconnect with after={seen + 2}"


async def _sync(fn: Any) -> None:
    fn()


def test_through_a_real_server(api: Api) -> None:
    """The same protocol through uvicorn, as `borderwatch run` serves it."""
    url = api.base_url.replace("http://", "ws://") + "/api/v1/stream"
    after = api.service.feed.last_seq
    with connect(f"{url}?after={after}", open_timeout=5) as ws:
        ws.send(json.dumps({"token": api.token("op1")}))
        _note(api, api.incident_for("note"), "through uvicorn")
        frame = json.loads(ws.recv(timeout=10))
        assert (frame["seq"], frame["kind"]) == (after + 1, "action")
    with connect(url, open_timeout=5) as ws:
        ws.send(json.dumps({"token": "expired.or.forged"}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == TOKEN_REFUSED
