"""encode -> decode gives back an equal message, one at a time and as a JSON-lines stream."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given

from borderwatch.messages import decode, decode_lines, encode, encode_lines, validate
from borderwatch.messages.codec import WireMessage

from .strategies import BY_TYPE, wire_messages


@pytest.mark.parametrize("tag", sorted(BY_TYPE))
def test_each_type_round_trips(tag: str) -> None:
    @given(BY_TYPE[tag])
    def check(message: WireMessage) -> None:
        data = encode(message)
        assert decode(data) == message
        assert decode(data, type(message)) == message
        assert validate(message) == message

    check()


@given(wire_messages)
def test_encoding_carries_the_type_tag_and_no_newline(message: WireMessage) -> None:
    data = encode(message)
    assert b"\n" not in data
    assert data.startswith(b'{"type":"' + type(message).__struct_config__.tag.encode())  # type: ignore[union-attr]


@given(st.lists(wire_messages, max_size=20))
def test_mixed_stream_round_trips(messages: list[WireMessage]) -> None:
    data = encode_lines(messages)
    assert data.count(b"\n") == len(messages)
    assert list(decode_lines(data.splitlines(keepends=True))) == messages


def test_empty_stream() -> None:
    assert encode_lines([]) == b""
    assert list(decode_lines([])) == []
