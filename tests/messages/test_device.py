"""The device messages (chat, emergency): JSON round trip, and bad ones refused by field."""

from __future__ import annotations

import msgspec
import pytest

from borderwatch.errors import MessageError
from borderwatch.messages import decode, encode
from borderwatch.messages.device import ChatMessage, Emergency

T = 1_780_000_000 * 10**9
CHAT = ChatMessage(
    id="c1",
    device="ng-dev-7",
    callsign="NG-N03-1",
    time_ns=T,
    chatroom="OPS",
    text="on scene",
    to=("OPS",),
)
EMERGENCY = Emergency(
    id="e1", device="ng-dev-7", callsign="NG-N03-1", time_ns=T, lat=32.7, lon=11.2
)


@pytest.mark.parametrize("message", [CHAT, EMERGENCY], ids=["chat", "emergency"])
def test_round_trip(message: ChatMessage | Emergency) -> None:
    data = encode(message)
    assert msgspec.json.decode(data)["type"] == message.__struct_config__.tag
    assert decode(data, type(message)) == message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": "x" * 2001}, "$.text"),
        ({"device": "has space"}, "$.device"),
        ({"time_ns": -1}, "$.time_ns"),
    ],
)
def test_a_bad_chat_is_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    data = msgspec.json.encode(msgspec.to_builtins(CHAT) | change)
    with pytest.raises(MessageError) as err:
        decode(data, ChatMessage)
    assert err.value.field == field


def test_an_emergency_off_the_earth_is_refused() -> None:
    data = msgspec.json.encode(msgspec.to_builtins(EMERGENCY) | {"lat": 91.0})
    with pytest.raises(MessageError) as err:
        decode(data, Emergency)
    assert err.value.field == "$.lat"
