"""Cut a CoT/TAK byte stream into whole messages: feed it chunks as they arrive.

A stream may mix formats message by message; the first byte of each decides:
- `0xbf`: TAK protocol v1 streaming, `0xbf`, a varint length, then that many protobuf bytes;
- anything else: CoT XML, up to and including the next `</event>` (how TAK servers and
  pytak frame it); whitespace between messages is skipped.

Written by hand because nothing does this incrementally: takproto parses one whole message
from a file-like object, and pytak's `readuntil(b"</event>")` cannot see protobuf frames.
A message over the size limit cannot be skipped (the stream cannot be resynced past it): the
framer returns the messages before it, sets `broken` to the `RejectedError` (`oversized`) and takes
nothing more; the caller closes the connection.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot.const import MAX_MESSAGE_BYTES, OVERSIZED, STREAM_MAGIC

__all__ = ["Frame", "Framer", "read_varint"]

_END = b"</event>"
_CONTENT = re.compile(rb"[^ \t\r\n]")
_MAX_VARINT = 10  # bytes of a 64-bit varint


class Frame(NamedTuple):
    """One whole message: `xml` (the event's bytes) or `proto` (the TakMessage's bytes)."""

    kind: Literal["xml", "proto"]
    data: bytes


def read_varint(buf: bytes | bytearray, pos: int) -> tuple[int, int] | None:
    """The protobuf varint at `pos` and the position after it; None if it is incomplete.

    Raises `ValueError` if it runs over 10 bytes (no valid length does).
    """
    value = shift = 0
    end = min(len(buf), pos + _MAX_VARINT)
    for i in range(pos, end):
        byte = buf[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
    if end - pos >= _MAX_VARINT:
        raise ValueError("varint longer than 10 bytes")
    return None


class Framer:
    """Accumulates a stream's bytes and returns each message once it is complete."""

    __slots__ = ("_buf", "_max", "_scan", "broken")

    def __init__(self, max_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_bytes
        self._scan = 0  # where to resume looking for `</event>` in an incomplete XML frame
        self.broken: RejectedError | None = None  # why the stream is unusable, once it is

    @property
    def pending(self) -> int:
        """Bytes held of a message not yet complete (0: between messages)."""
        return len(self._buf)

    def feed(self, chunk: bytes) -> list[Frame]:
        """Add `chunk`; return the messages it completed, in order (none once `broken`)."""
        if self.broken is not None:
            return []
        buf = self._buf
        buf += chunk
        frames: list[Frame] = []
        try:
            pos = self._cut(buf, frames)
        except RejectedError as exc:
            self.broken = exc
            buf.clear()
            return frames
        del buf[:pos]
        self._scan = max(0, self._scan - pos)
        return frames

    def _cut(self, buf: bytearray, frames: list[Frame]) -> int:
        """Append the whole frames in `buf` to `frames`; return where the rest starts."""
        pos, n = 0, len(buf)
        while pos < n:
            content = _CONTENT.search(buf, pos)
            if content is None:
                pos = n
                break
            pos = content.start()
            if buf[pos] == STREAM_MAGIC:
                span = self._proto_span(buf, pos)
                if span is None or span[1] > n:
                    break
                start, end = span
                frames.append(Frame("proto", bytes(buf[start:end])))
            else:
                xml_end = self._xml_end(buf, pos)
                if xml_end is None:
                    break
                end = xml_end
                frames.append(Frame("xml", bytes(buf[pos:end])))
            pos = end
            self._scan = pos
        return pos

    def _xml_end(self, buf: bytearray, pos: int) -> int | None:
        found = buf.find(_END, max(pos, self._scan))
        if found < 0:
            if len(buf) - pos > self._max:
                raise self._oversized(len(buf) - pos)
            # The end tag may straddle this chunk and the next: rescan its last 7 bytes.
            self._scan = max(pos, len(buf) - len(_END) + 1)
            return None
        end = found + len(_END)
        if end - pos > self._max:
            raise self._oversized(end - pos)
        return end

    def _proto_span(self, buf: bytearray, pos: int) -> tuple[int, int] | None:
        try:
            header = read_varint(buf, pos + 1)
        except ValueError as exc:
            raise RejectedError(OVERSIZED, "$", f"TAK message length: {exc}") from exc
        if header is None:
            return None
        length, start = header
        if length > self._max:
            raise self._oversized(length)
        return start, start + length

    def _oversized(self, size: int) -> RejectedError:
        return RejectedError(OVERSIZED, "$", f"message of {size} bytes or more, over {self._max}")
