"""decode_lines: a bad line becomes a MessageError in its place, and the stream goes on;
decode_file (a file read in chunks) gives exactly what decode_lines gives over its lines."""

from __future__ import annotations

import io
from collections.abc import Iterable

import hypothesis.strategies as st
from hypothesis import given

from borderwatch.errors import MessageError
from borderwatch.messages import Patrol, decode_file, decode_lines, encode, encode_lines
from borderwatch.messages.codec import WireMessage

from .strategies import wire_messages

GOOD = Patrol(callsign="NG-1", agency="national_guard", time_ns=10, lat=32.0, lon=11.0)


def test_bad_lines_do_not_stop_the_stream() -> None:
    lines = [
        encode(GOOD) + b"\n",
        b"not json\n",
        encode(GOOD)[:-5] + b"\n",
        b"\n",
        b"   \r\n",
        b'{"type":"patrol","callsign":"NG-1","agency":"a","time_ns":1,"lat":99,"lon":0}\n',
        b"\xff\xfe\x80\n",
        b'{"type":"patrol","callsign":"\xc3","agency":"a","time_ns":1,"lat":1,"lon":0}\n',
        encode(GOOD),
    ]
    out = list(decode_lines(lines))
    assert len(out) == 7  # blank lines are skipped, every other line yields once
    assert out[0] == GOOD
    assert out[-1] == GOOD
    errors = out[1:-1]
    assert all(isinstance(e, MessageError) for e in errors)
    assert [e.field for e in errors if isinstance(e, MessageError)] == ["$", "$", "$.lat", "$", "$"]


@given(
    st.lists(
        st.one_of(wire_messages.map(encode), st.binary(max_size=60)).filter(
            lambda b: b"\n" not in b
        ),
        max_size=12,
    )
)
def test_one_result_per_non_blank_line(lines: list[bytes]) -> None:
    out = list(decode_lines(lines))
    assert len(out) == sum(1 for line in lines if line.strip())
    for item in out:
        if isinstance(item, MessageError):
            assert item.field.startswith("$")
            assert item.reason


@given(st.lists(wire_messages, min_size=1, max_size=8), st.data())
def test_a_corrupted_line_costs_only_that_line(
    messages: list[WireMessage], data: st.DataObject
) -> None:
    lines = encode_lines(messages).splitlines()
    bad = data.draw(st.integers(0, len(lines) - 1))
    lines[bad] = lines[bad][: len(lines[bad]) // 2]
    out = list(decode_lines(lines))
    assert isinstance(out[bad], MessageError)
    assert out[:bad] + out[bad + 1 :] == messages[:bad] + messages[bad + 1 :]


# Lines as a file holds them: messages, blank and whitespace lines, two messages on one
# line, a message cut in two across lines, bytes that are not UTF-8, no final newline.
_file_lines = st.lists(
    st.one_of(
        wire_messages.map(encode),
        st.sampled_from([b"", b"  ", b"\r", b"\x0c", b"\xff\xfe", b"{}", b"not json"]),
        st.tuples(wire_messages, wire_messages).map(lambda m: encode(m[0]) + encode(m[1])),
        wire_messages.map(encode).map(lambda b: b[: len(b) // 2] + b"\n" + b[len(b) // 2 :]),
    ),
    max_size=10,
)


@given(_file_lines, st.booleans(), st.integers(1, 400))
def test_a_file_in_chunks_decodes_as_its_lines(
    lines: list[bytes], final_newline: bool, chunk_bytes: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    expected = _comparable(decode_lines(data.split(b"\n")))
    assert _comparable(decode_file(io.BytesIO(data), chunk_bytes)) == expected
    assert _comparable(decode_file(io.BytesIO(data))) == expected


def _comparable(out: Iterable[WireMessage | MessageError]) -> list[object]:
    """Errors are exceptions (equal only to themselves): compare them by field and reason."""
    return [(m.field, m.reason) if isinstance(m, MessageError) else m for m in out]
