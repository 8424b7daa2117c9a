"""What the operations room does with bad or repeated input on the real servers: a message it
cannot decode, one without our headers, and one that reaches it twice (in another bundle of
the same station, or through another station's stream) are counted and kept out of the
engine; a station that speaks as another is refused in the room (a bundle "from station-b"
in station-a's stream is refused, named and counted; at its own server and at its link,
`test_station_identity`); the room goes on taking in the good ones; a bundle sent
again after its acknowledgement was lost (same numbers, same messages) is stored once by
the station's own stream."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, cast

import nats
import nats.js.errors
import pytest
from nats.aio.msg import Msg

from borderwatch.engine import load_config
from borderwatch.geo.registry import Registry
from borderwatch.messages import SensorStatus, encode
from borderwatch.stations.bundle import pack
from borderwatch.stations.centre import Centre
from borderwatch.stations.station import Station
from borderwatch.stations.subjects import (
    ARRIVED,
    FIRST,
    MSG_ID,
    SOURCE,
    STATION,
    batch_subject,
    in_subject,
    message_id,
)
from borderwatch.stations.system import start_system

T0 = 1_773_522_000_000_000_000
# What the room's JetStream writes on a message it sourced from station-a's stream.
SOURCED_A = "STATION_A:x 1 > > bw.station-a.batch y"


def _status(station: Station, seq: int) -> SensorStatus:
    sensor = sorted(station.registry.places)[0]
    kind = station.registry.places[sensor].kind
    return SensorStatus(sensor_id=sensor, kind=kind, time_ns=T0 + seq * 1_000_000_000, seq=seq)


async def _scenario(root: Path) -> dict[str, Any]:
    system = await start_system(root, ["N02", "N03"], load_config())
    try:
        room = system.centre
        assert room is not None
        a, b = system.stations["station-a"], system.stations["station-b"]
        good = [(_status(a, i), T0 + i * 1_000_000_000) for i in range(1, 4)]
        assert await a.take_in(good) == 3
        assert a.counts.bundles == 1  # one window, one JetStream message
        a.next_seq -= 3
        await a.store(good)  # the same bundle again (its ack lost): the stream keeps it once
        await a.store(good[:1])  # a sender's re-send: a new bundle; the room drops the message
        # the station's ingest restarts: it numbers on from its stream's last bundle
        again = Station("station-a", a.sectors, a.registry, a.url, tls=a.tls)
        await again.start()
        resumed = again.next_seq
        await again.close()
        assert system.tls is not None
        nc = await nats.connect(
            system.servers["station-b"].url, tls=system.tls.client_context("station-b")
        )
        js = nc.jetstream()
        headers = {STATION: "station-b", ARRIVED: str(T0 + 5_000_000_000)}
        await js.publish(
            in_subject("station-b", "N03"),
            b'{"type": "detection", "lat": "x"}',
            headers={**headers, MSG_ID: "bad-1"},
        )
        await js.publish(in_subject("station-b", "N03"), b"{}", headers={MSG_ID: "bare-1"})
        # station-a's first message again, through station-b's stream
        await js.publish(
            in_subject("station-b", "N03"),
            encode(good[0][0]),
            headers={**headers, MSG_ID: message_id(good[0][0])},
        )
        await nc.close()
        # station-a speaks as station-b: a bundle of a station-b sensor's message under
        # station-b's name in station-a's own stream: the room refuses it. Forging the
        # header JetStream writes on what it sources is refused by JetStream itself.
        nc = await nats.connect(
            system.servers["station-a"].url, tls=system.tls.client_context("station-a")
        )
        js = nc.jetstream()
        forged = _status(b, 20)
        (bundle,) = pack(100, [(forged, T0 + 20_000_000_000)], [message_id(forged)])
        as_b = {STATION: "station-b", ARRIVED: str(T0 + 20_000_000_000), FIRST: "100"}
        await js.publish(batch_subject("station-a"), bundle.payload, headers={**as_b, MSG_ID: "f1"})
        with pytest.raises(nats.js.errors.BadRequestError, match="source header is not allowed"):
            await js.publish(
                batch_subject("station-a"),
                bundle.payload,
                headers={**as_b, MSG_ID: "f2", SOURCE: "STATION_B:x 1 > > bw.station-b.batch y"},
            )
        await nc.close()
        # two senders within the window: one bundle, both answered once it is stored
        answers = await asyncio.gather(
            b.take_in([(_status(b, 9), T0 + 9_000_000_000)]),
            b.take_in([(_status(b, 10), T0 + 10_000_000_000)]),
        )
        assert list(answers) == [1, 1]
        assert (b.counts.groups, b.counts.bundles, b.counts.acknowledged) == (1, 1, 2)
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and room.received + room.duplicates + sum(room.impersonations.values()) < 9
        ):
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        room.check()
        in_border = await room.border_messages()
        assert in_border is not None
        return {
            "received": room.received,
            "duplicates": room.duplicates,
            "undecodable": room.undecodable,
            "impersonations": room.impersonations,
            "station_a_duplicates": a.counts.duplicates,
            "in_border": in_border,
            "bundles": a.counts.bundles + b.counts.bundles,
            "resumed": resumed,
            "next_seq": a.next_seq,
        }
    finally:
        await system.close()


def test_bad_and_repeated_input_is_counted_and_kept_out(tmp_path: Path) -> None:
    out = asyncio.run(asyncio.wait_for(_scenario(tmp_path), 120))
    assert out["received"] == 5  # three of station-a, two of station-b
    assert out["undecodable"] == 2
    assert out["station_a_duplicates"] == 1  # JetStream answered "duplicate" to the re-send
    # BORDER: station-a's 2 bundles (the re-sent one stored once), station-b's 2 bad ones,
    # station-a's first message through station-b's stream, and station-b's bundle
    assert out["bundles"] == 2 + 1
    assert out["resumed"] == out["next_seq"] == 5  # 3, the same 3 again (numbers reused), 1
    assert out["in_border"] == 2 + 2 + 1 + 1 + 1
    # station-a speaking as station-b: refused, named and counted, never taken in
    assert out["impersonations"] == {"station-a as station-b": 1}
    assert out["duplicates"] == 2  # station-a's first message, twice more


def _msg(subject: str, data: bytes, headers: dict[str, str]) -> Msg:
    return Msg(_client=cast(Any, None), subject=subject, data=data, headers=headers)


def test_the_room_drops_an_id_it_has_seen_whatever_the_window() -> None:
    """Beyond JetStream's duplicate window (1 h) only the room's own set remembers an id."""
    room = Centre(["nats://127.0.0.1:9"], ["station-a", "station-b"], Registry())
    status = SensorStatus(sensor_id="N02-T01-R", kind="radar", time_ns=T0, seq=1)
    headers = {
        SOURCE: SOURCED_A,
        STATION: "station-a",
        ARRIVED: str(T0),
        MSG_ID: message_id(status),
    }
    room._hold(_msg(in_subject("station-a", "N02"), encode(status), headers))
    room._hold(_msg(in_subject("station-a", "N02"), encode(status), headers))
    room._hold(_msg(in_subject("station-b", "N03"), b"[1,", {**headers, MSG_ID: "x"}))
    room._hold(
        _msg(in_subject("station-a", "N02"), b"{}", {**headers, MSG_ID: "y", ARRIVED: "soon"})
    )
    assert (room.received, room.duplicates, room.undecodable) == (1, 1, 2)
    assert room.merge.held == 1


def test_the_room_forgets_ids_past_its_horizon() -> None:
    room = Centre(["nats://127.0.0.1:9"], ["station-a"], Registry())
    room.dedup_horizon_ns = 10 * 1_000_000_000
    room._next_prune = 3  # prune at the third id
    for i, t in enumerate((0, 1, 30)):
        status = SensorStatus(sensor_id="N02-T01-R", kind="radar", time_ns=T0, seq=i)
        arrived = T0 + t * 1_000_000_000
        headers = {
            SOURCE: SOURCED_A,
            STATION: "station-a",
            ARRIVED: str(arrived),
            MSG_ID: message_id(status),
        }
        room._hold(_msg(in_subject("station-a", "N02"), encode(status), headers))
    # the clock is at 30 s: the ids of 0 s and 1 s are more than 10 s behind it
    assert list(room.seen.values()) == [T0 + 30 * 1_000_000_000]
