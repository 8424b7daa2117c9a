"""The framer: a stream mixing CoT XML and TAK protobuf, cut anywhere, gives back the same
messages in order; an oversized message breaks the stream but not what came before it."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given

from borderwatch.ingest.cot import Frame, Framer, encode_proto, encode_xml, ping_xml
from borderwatch.ingest.cot.framing import read_varint
from tests.messages.strategies import detections, patrols, sensor_statuses

from .helpers import T0, fixture, fixture_message

inbound = st.one_of(detections(), sensor_statuses, patrols)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[Frame]]:
    """Messages as XML or protobuf, with the whitespace senders put between them."""
    data, frames = b"", []
    for message in draw(st.lists(inbound, min_size=1, max_size=8)):
        gap = draw(st.sampled_from([b"", b"\n", b"\r\n", b" \t\n"]))
        if draw(st.booleans()):
            xml = encode_xml(message)
            data += gap + xml
            frames.append(Frame("xml", xml))
        else:
            framed = encode_proto(message)
            data += gap + framed
            start = read_varint(framed, 1)
            assert start is not None
            frames.append(Frame("proto", framed[start[1] :]))
    return data, frames


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@given(streams(), st.lists(st.integers(0, 10_000), max_size=30))
def test_any_chunking_gives_the_same_frames(
    stream: tuple[bytes, list[Frame]], cuts: list[int]
) -> None:
    data, expected = stream
    framer = Framer()
    got = [frame for chunk in _chunks(data, cuts) for frame in framer.feed(chunk)]
    assert got == expected
    assert framer.pending == 0
    assert framer.broken is None


@given(streams())
def test_byte_at_a_time(stream: tuple[bytes, list[Frame]]) -> None:
    data, expected = stream
    framer = Framer()
    assert [f for i in range(len(data)) for f in framer.feed(data[i : i + 1])] == expected


def test_partial_message_is_held() -> None:
    framer = Framer()
    xml = fixture("radar_detection.xml")
    assert framer.feed(xml[:100]) == []
    assert framer.pending == 100
    assert framer.feed(xml[100:] + b"\n") == [Frame("xml", xml)]
    assert framer.pending == 0


def test_whitespace_alone_is_nothing() -> None:
    framer = Framer()
    assert framer.feed(b"\n\r\n  \t") == []
    assert framer.pending == 0


def test_garbage_before_an_event_is_one_bad_frame() -> None:
    # It cannot be skipped silently: it reaches the decoder and is counted there.
    ping = ping_xml("A", T0)
    assert Framer().feed(b"junk" + ping + ping) == [
        Frame("xml", b"junk" + ping),
        Frame("xml", ping),
    ]


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(b"<event>" + b"x" * 2000, id="xml_without_end"),
        pytest.param(b"<event>" + b"x" * 2000 + b"</event>", id="xml_whole_but_too_big"),
        pytest.param(b"\xbf\xd0\x0f", id="proto_length_over_limit"),  # 2000
        pytest.param(b"\xbf" + b"\xff" * 10, id="proto_varint_too_long"),
    ],
)
def test_oversized_breaks_the_stream_after_the_messages_before_it(tail: bytes) -> None:
    framer = Framer(max_bytes=1024)
    good = ping_xml("A", T0)
    frames = framer.feed(good + tail)
    assert frames == [Frame("xml", good)]
    assert framer.broken is not None
    assert framer.broken.code == "oversized"
    assert framer.feed(good) == []  # nothing more is taken
    assert framer.pending == 0  # and nothing is held


def test_oversized_is_detected_before_it_all_arrives() -> None:
    framer = Framer(max_bytes=1024)
    for _ in range(3):
        framer.feed(b"<event>" + b"x" * 400)
    assert framer.broken is not None


def test_exactly_the_limit_is_accepted() -> None:
    xml = fixture("radar_detection.xml")
    assert Framer(max_bytes=len(xml)).feed(xml) == [Frame("xml", xml)]
    with_header = encode_proto(fixture_message("radar_detection"))
    start = read_varint(with_header, 1)
    assert start is not None
    assert Framer(max_bytes=start[0]).feed(with_header)[0].kind == "proto"


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"\x00", (0, 1)), (b"\x7f", (127, 1)), (b"\xac\x02", (300, 2)), (b"\x80", None)],
)
def test_read_varint(data: bytes, expected: tuple[int, int] | None) -> None:
    assert read_varint(data, 0) == expected
