"""A TAK device for tests: pytak's own connection (`pytak.protocol_factory`: TCP, or TLS with
the device's certificate) and its TX worker (XML, or TAK protocol v1 when `TAK_PROTO=1`),
reading what the server sends: XML through pytak's `RXWorker.readcot`, protobuf with our
framer and takproto (pytak's reader splits a stream at `</event>`, which a protobuf stream
does not have)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from configparser import ConfigParser, SectionProxy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytak
from takproto.proto import TakMessage

from borderwatch.ingest.cot import Framer


@dataclass(frozen=True)
class Received:
    """One event the device got: when (monotonic), its uid and type, the XML of it (for
    protobuf, the event rebuilt enough to read: uid, type, the detail's XML)."""

    at: float
    uid: str
    type: str
    wire: str  # xml or proto
    xml: str

    def root(self) -> ET.Element:
        """The event parsed."""
        return ET.fromstring(self.xml)


def config(
    url: str, pki: Path | None = None, name: str | None = None, **extra: str
) -> SectionProxy:
    """pytak's settings for `url`, with the device `name`'s certificate from `pki`."""
    values = {"COT_URL": url, **extra}
    if pki is not None and name is not None:
        values |= {
            "PYTAK_TLS_CLIENT_CERT": str(pki / "clients" / f"{name}.crt"),
            "PYTAK_TLS_CLIENT_KEY": str(pki / "clients" / f"{name}.key"),
            "PYTAK_TLS_CLIENT_CAFILE": str(pki / "ca.crt"),
        }
    parser = ConfigParser()
    parser["device"] = values
    return parser["device"]


class _Rx(pytak.RXWorker):  # type: ignore[misc]
    async def handle_data(self, data: bytes) -> None:
        pass


class Device:
    """A connected pytak client, reading in the background."""

    def __init__(
        self,
        settings: SectionProxy,
        read_proto: bool | None = None,
        hello_uid: str = "borderwatch-test-device",
    ) -> None:
        self.settings = settings
        # A TAK server may know a client by its first event's uid: two devices on one server
        # need two.
        self.hello_uid = hello_uid
        # Read TAK protocol v1 (and XML) with our framer, or XML with pytak's reader.
        self.proto = settings.get("TAK_PROTO", "0") == "1" if read_proto is None else read_proto
        self.received: list[Received] = []
        self.closed = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Device:
        self.reader, self.writer = await pytak.protocol_factory(self.settings)
        self.tx = pytak.TXWorker(asyncio.Queue(), self.settings, self.writer)
        self._task = asyncio.create_task(self._read())
        # What pytak's CLITool sends first (unless PYTAK_NO_HELLO): it says a TAK client is
        # on this connection.
        await self.tx.send_data(pytak.hello_event(self.hello_uid))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()

    async def send(self, events: list[bytes]) -> None:
        """Through pytak's TX worker (which converts to protobuf if TAK_PROTO=1)."""
        for event in events:
            await self.tx.send_data(event)

    async def send_raw(self, data: bytes) -> None:
        """Bytes as they are (a TAK protocol negotiation is XML whatever the mode)."""
        self.writer.write(data)
        await self.writer.drain()

    async def _read(self) -> None:
        try:
            if self.proto:
                await self._read_proto()
            else:
                rx = _Rx(asyncio.Queue(), self.settings, self.reader)
                while (data := await rx.readcot()) is not None:
                    self._take_xml(data)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        self.closed = True

    def _take_xml(self, data: bytes) -> None:
        text = data.decode().strip()
        start = text.find("<event")
        if start < 0:
            return
        text = text[start:]
        root = ET.fromstring(text)
        self.received.append(
            Received(time.monotonic(), root.get("uid", ""), root.get("type", ""), "xml", text)
        )

    async def _read_proto(self) -> None:
        framer = Framer()
        while chunk := await self.reader.read(65536):
            for frame in framer.feed(chunk):
                if frame.kind == "xml":  # the negotiation's answers, before protobuf
                    self._take_xml(frame.data)
                    continue
                msg = TakMessage.FromString(frame.data)
                ev = msg.cotEvent
                xml = (
                    f'<event uid="{ev.uid}" type="{ev.type}"><point lat="{ev.lat}" '
                    f'lon="{ev.lon}"/><detail>{ev.detail.xmlDetail}</detail></event>'
                )
                self.received.append(Received(time.monotonic(), ev.uid, ev.type, "proto", xml))

    async def wait_for(self, check: Callable[[Received], bool], timeout: float = 5.0) -> Received:
        """The first event received (already, or within `timeout` s) for which `check` holds."""
        seen = 0
        async with asyncio.timeout(timeout):
            while True:
                for event in self.received[seen:]:
                    if check(event):
                        return event
                seen = len(self.received)
                if self.closed:
                    raise ConnectionError("the server closed the connection")
                await asyncio.sleep(0.01)


def cot(cot_type: str, uid: str, time_ns: int, lat: float, lon: float, detail: str = "") -> bytes:
    """A CoT event as ATAK writes one."""
    t = pytak.cot_time() if time_ns == 0 else _iso(time_ns)
    stale = _iso(time_ns + 300 * 10**9) if time_ns else pytak.cot_time(300)
    return (
        f'<event version="2.0" uid="{uid}" type="{cot_type}" time="{t}" start="{t}" '
        f'stale="{stale}" how="h-g-i-g-o"><point lat="{lat}" lon="{lon}" hae="0" ce="25" '
        f'le="9999999"/><detail>{detail}</detail></event>'
    ).encode()


def _iso(time_ns: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time_ns / 1e9)) + (
        f".{time_ns % 10**9 // 10**6:03d}Z"
    )


def chat(text: str, uid: str, callsign: str, time_ns: int, message_id: str) -> bytes:
    """A GeoChat message from the device to the operations room."""
    detail = (
        f'<__chat parent="RootContactGroup" groupOwner="false" chatroom="OPS" '
        f'id="borderwatch-ops" senderCallsign="{callsign}" messageId="{message_id}">'
        f'<chatgrp uid0="{uid}" uid1="borderwatch-ops" id="borderwatch-ops"/></__chat>'
        f'<link uid="{uid}" type="a-f-G-U-C" relation="p-p"/>'
        f'<remarks source="BAO.F.ATAK.{uid}" to="borderwatch-ops">{text}</remarks>'
    )
    return cot("b-t-f", f"GeoChat.{uid}.borderwatch-ops.{message_id}", time_ns, 0.0, 0.0, detail)


def find(event: Received, path: str) -> Any:
    """An element of the event (ElementTree path under the event)."""
    return event.root().find(path)
