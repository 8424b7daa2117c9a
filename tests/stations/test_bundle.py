"""A station's bundle: what its ingest took in within one window, as one JetStream message.
Split by size and count, decoded whole, and a bad message inside it counted alone by the
operations room, which still drops a message it has seen by the message's own id."""

from __future__ import annotations

import asyncio
import zlib
from typing import Any, cast

import msgspec
import pytest
from nats.aio.msg import Msg

from borderwatch.errors import MessageError
from borderwatch.geo.registry import Registry
from borderwatch.messages import SensorStatus, encode
from borderwatch.stations.bundle import MAX_EXPANDED_BYTES, decode_bundle, pack
from borderwatch.stations.centre import Centre
from borderwatch.stations.station import Station, StationError, bundle_id
from borderwatch.stations.subjects import (
    ARRIVED,
    MSG_ID,
    SOURCE,
    STATION,
    batch_subject,
    message_id,
)

T0 = 1_773_522_000_000_000_000
SOURCED_A = "STATION_A:x 1 > > bw.station-a.batch y"  # as the room's JetStream writes it


def _batch(n: int, first_seq: int = 1) -> list[tuple[SensorStatus, int]]:
    return [
        (
            SensorStatus(sensor_id="N02-T01-R", kind="radar", time_ns=T0 + i, seq=i),
            T0 + i * 1_000,
        )
        for i in range(first_seq, first_seq + n)
    ]


def test_a_batch_is_split_by_count_and_size_and_decodes_back() -> None:
    batch = _batch(25)
    ids = [message_id(m) for m, _ in batch]
    bundles = pack(101, batch, ids, max_messages=10)
    assert [(b.first, b.count) for b in bundles] == [(101, 10), (111, 10), (121, 5)]
    assert bundles[-1].last_arrived_ns == batch[-1][1]
    one = len(encode(batch[0][0]))  # the limit is on the JSON, before compression
    by_size = pack(1, batch, ids, max_bytes=3 * (one + 40))
    assert all(b.count <= 3 for b in by_size)
    assert sum(b.count for b in by_size) == 25
    back = [decode_bundle(b.payload) for b in bundles]
    assert [b.first for b in back] == [101, 111, 121]
    assert [m for b in back for m in b.messages] == [m for m, _ in batch]
    assert [a for b in back for a in b.arrived] == [a for _, a in batch]
    assert [i for b in back for i in b.ids] == ids
    # the same messages are the same bundle under the same id; others never share it
    assert bundle_id("station-a", bundles[0], ids[:10]) == bundle_id(
        "station-a", pack(101, batch, ids, max_messages=10)[0], ids[:10]
    )
    assert bundle_id("station-a", bundles[0], ids[:10]) != bundle_id(
        "station-a", bundles[0], ids[1:11]
    )


def test_what_is_not_a_bundle_is_refused_by_name() -> None:
    with pytest.raises(MessageError, match="not a station bundle"):
        decode_bundle(b'[1, [1, 2], ["a"], []]')
    with pytest.raises(MessageError, match="neither JSON nor zlib"):
        decode_bundle(b"{}")
    # a bundle is compressed; plain JSON is taken too; what expands past the limit is not
    (good,) = pack(1, _batch(2), ["a", "b"])
    plain = zlib.decompress(good.payload)
    assert decode_bundle(plain).ids == decode_bundle(good.payload).ids == ["a", "b"]
    with pytest.raises(MessageError, match="truncated"):
        decode_bundle(good.payload[: len(good.payload) // 2])
    bomb = zlib.compress(b"[" + b" " * (MAX_EXPANDED_BYTES + 1))
    assert len(bomb) < 100_000
    with pytest.raises(MessageError, match="more than"):
        decode_bundle(bomb)


def _msg(data: bytes, mid: str) -> Msg:
    headers = {SOURCE: SOURCED_A, STATION: "station-a", ARRIVED: str(T0), MSG_ID: mid}
    return Msg(
        _client=cast(Any, None), subject=batch_subject("station-a"), data=data, headers=headers
    )


def test_the_room_counts_a_bad_message_of_a_bundle_alone_and_drops_seen_ids() -> None:
    room = Centre(["nats://127.0.0.1:9"], ["station-a"], Registry())
    batch = _batch(4)
    ids = [message_id(m) for m, _ in batch]
    (good,) = pack(1, batch, ids)
    room._hold(_msg(good.payload, "station-a/1/x"))
    # a bundle holding a message the room has (seq 4), a broken one and a new one (seq 5)
    five = _batch(1, 5)[0]
    wire = [
        5,
        [batch[3][1], five[1], five[1]],
        [ids[3], "det:N02-T01-R/99", message_id(five[0])],
        [
            msgspec.json.decode(encode(batch[3][0])),
            {"type": "detection", "lat": "north"},
            msgspec.json.decode(encode(five[0])),
        ],
    ]
    room._hold(_msg(msgspec.json.encode(wire), "station-a/5/y"))
    room._hold(_msg(b"[not json", "station-a/8/z"))
    assert (room.received, room.duplicates, room.undecodable) == (5, 1, 2)
    assert room.merge.held == 5
    assert room.health["station-a"].clock_ns == five[1]


def test_every_sender_of_a_window_hears_that_it_was_not_stored() -> None:
    """Two senders in one window; the station's stream does not take it (here: never
    connected): both get the StationError, nothing is counted or given to the engine."""
    station = Station("station-a", ["N02"], Registry(), "nats://127.0.0.1:9")

    async def two_senders() -> list[object]:
        return list(
            await asyncio.gather(
                station.take_in(_batch(1)), station.take_in(_batch(1, 2)), return_exceptions=True
            )
        )

    answers = asyncio.run(two_senders())
    assert [type(a) for a in answers] == [StationError, StationError]
    assert (station.counts.groups, station.counts.acknowledged, station.engine.seq) == (0, 0, 0)
