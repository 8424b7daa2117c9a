"""A bundle: what a station's ingest took in within one short window, stored as one JetStream
message.

Why: one JetStream message per detection costs the station an fsync and an acknowledgement
per detection (833 messages/s on the station's disk with an fsync each) and costs the
operations room a fetch, an ack and a header parse per detection (its one reader took
5,500-9,200 messages/s, a 1.1x catch-up after a 10 min cut). A bundle of a few hundred
messages costs one of each: stored, fsynced and acknowledged together, sourced into `BORDER`
together, fetched and acknowledged by the room together.

A bundle keeps, for each message, its sender's own id (the room still drops a message it
has seen by that id, whichever bundle brought it) and the station's arrival time (the
engine's clock). The bundle's own id, `Nats-Msg-Id` = `<station>/<first station seq>`, is
what JetStream de-duplicates: the station numbers what it takes in (`Bw-First`, `Bw-Count`
in the headers), so a bundle sent again after its acknowledgement was lost is the same
bundle under the same id and is stored once.

Wire format: JSON, `[first, [arrived_ns...], [id...], [message...]]`, each message as
`messages.encode` gives it, compressed with zlib (level 1). Compressed because every byte
of a bundle is carried by the link, written by the station, replicated three times in the
room's cluster and read by the room: radar plots in JSON shrink ~13x, at ~130 MB/s of one
core to compress and ~270 MB/s to expand (a station at 5,000 plots/s makes 1.5 MB/s). The
room takes plain JSON too (a bundle starts with `[`, a zlib stream never does), and expands
at most `MAX_EXPANDED_BYTES`: a small bundle that would expand to gigabytes is refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from borderwatch.errors import MessageError
from borderwatch.messages import Detection, Patrol, SensorStatus, decode, encode

__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_BUNDLE_MESSAGES",
    "MAX_EXPANDED_BYTES",
    "Bundle",
    "Inbound",
    "Unbundled",
    "decode_bundle",
    "pack",
]

Inbound = Detection | SensorStatus | Patrol

# A bundle stays well under nats-server's default max_payload (1 MB): a radar plot is ~300
# bytes, so a bundle of 1,000 is ~0.3 MB.
MAX_BUNDLE_BYTES = 512 * 1024
MAX_BUNDLE_MESSAGES = 2_000
MAX_EXPANDED_BYTES = 16 * 1024 * 1024
ZLIB_LEVEL = 1


class _Wire(msgspec.Struct, array_like=True, frozen=True):
    first: int
    arrived: list[int]
    ids: list[str]
    messages: list[msgspec.Raw]


_decoder = msgspec.json.Decoder(_Wire)
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class Bundle:
    """Messages `first`, `first + 1`, ... of a station's ingest, encoded for its stream."""

    first: int
    count: int
    last_arrived_ns: int
    payload: bytes


def pack(
    first: int,
    batch: Sequence[tuple[Inbound, int]],
    ids: Sequence[str],
    max_bytes: int = MAX_BUNDLE_BYTES,
    max_messages: int = MAX_BUNDLE_MESSAGES,
) -> list[Bundle]:
    """`batch` (messages and arrival times, in order) as bundles numbered from `first`, each
    at most `max_messages` messages and about `max_bytes` (a single larger message is a
    bundle of its own)."""
    out: list[Bundle] = []
    start = 0
    size = 0
    encoded = [encode(m) for m, _ in batch]
    for i, payload in enumerate(encoded):
        if i > start and (size + len(payload) > max_bytes or i - start >= max_messages):
            out.append(_bundle(first + start, batch, ids, encoded, start, i))
            start, size = i, 0
        size += len(payload) + 40  # its id, arrival time and commas
    if start < len(encoded):
        out.append(_bundle(first + start, batch, ids, encoded, start, len(encoded)))
    return out


def _bundle(
    first: int,
    batch: Sequence[tuple[Inbound, int]],
    ids: Sequence[str],
    encoded: list[bytes],
    start: int,
    end: int,
) -> Bundle:
    wire = _Wire(
        first,
        [a for _, a in batch[start:end]],
        list(ids[start:end]),
        [msgspec.Raw(p) for p in encoded[start:end]],
    )
    payload = zlib.compress(_encoder.encode(wire), ZLIB_LEVEL)
    return Bundle(first, end - start, batch[end - 1][1], payload)


class _TypedWire(msgspec.Struct, array_like=True, frozen=True):
    first: int
    arrived: list[int]
    ids: list[str]
    messages: list[Inbound]


_typed_decoder = msgspec.json.Decoder(_TypedWire)
_message_decoder = msgspec.json.Decoder(Inbound)


@dataclass(frozen=True, slots=True)
class Unbundled:
    """A bundle decoded: its first station seq and, in order, each message's sender id,
    arrival time (ns) and the message, or the `MessageError` naming what is wrong with it."""

    first: int
    ids: list[str]
    arrived: list[int]
    messages: list[Inbound | MessageError]


def decode_bundle(data: bytes) -> Unbundled:
    """A station's bundle, decoded and checked. Raises `MessageError` if it is not one (its
    lists of unequal length included); a bad message inside it is its own `MessageError`."""
    data = _expand(data)
    try:
        # The whole bundle in one call to the decoder: what a good station sends.
        typed = _typed_decoder.decode(data)
        wire = _Wire(typed.first, typed.arrived, typed.ids, [])
        messages: list[Inbound | MessageError] = list(typed.messages)
    except (msgspec.MsgspecError, UnicodeError):
        # Something in it is wrong: decode it message by message to say what, and where.
        try:
            wire = _decoder.decode(data)
        except (msgspec.MsgspecError, UnicodeError) as exc:
            raise MessageError("$", f"not a station bundle: {exc}") from exc
        messages = [_one(bytes(raw)) for raw in wire.messages]
    if not len(wire.arrived) == len(wire.ids) == len(messages):
        raise MessageError(
            "$",
            f"not a station bundle: {len(wire.arrived)} arrival times, {len(wire.ids)} ids, "
            f"{len(messages)} messages",
        )
    return Unbundled(wire.first, wire.ids, wire.arrived, messages)


def _expand(data: bytes) -> bytes:
    """The bundle's JSON: as it is, or expanded (at most MAX_EXPANDED_BYTES)."""
    if data[:1] == b"[":
        return data
    expander = zlib.decompressobj()
    try:
        out = expander.decompress(data, MAX_EXPANDED_BYTES)
    except zlib.error as exc:
        raise MessageError("$", f"not a station bundle: neither JSON nor zlib ({exc})") from exc
    if expander.unconsumed_tail or not expander.eof:
        raise MessageError(
            "$", f"not a station bundle: truncated, or more than {MAX_EXPANDED_BYTES} bytes"
        )
    return out


def _one(payload: bytes) -> Inbound | MessageError:
    try:
        return _message_decoder.decode(payload)
    except (msgspec.MsgspecError, UnicodeError):
        # decode again through the codec, for its error naming the field
        try:
            decode(payload)
        except MessageError as exc:
            return exc
        return MessageError("$.type", "not a detection, sensor status or patrol")
