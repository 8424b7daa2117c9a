"""How values are written in CoT attributes, shared by `encode` and `decode`.

- floats: `repr`, which Python and msgspec read back to the same float;
- times: W3C dateTime in UTC, `2026-03-01T02:03:04.567Z` (milliseconds, as ATAK writes them;
  exact nanoseconds travel in our own element); read with any number of fraction digits;
- free text (a status's `detail`, a patrol's `agency`): XML 1.0 cannot carry most control
  characters even as references, so they (and the backslash) are written as `\\xNN`,
  `\\uNNNN` and `\\\\`, then everything is escaped for an attribute. Hand-written because
  the standard escapers (`xml.sax.saxutils.quoteattr`) pass control characters through.
"""

from __future__ import annotations

import calendar
import re
import time
from datetime import datetime

__all__ = ["attr", "format_time", "parse_time", "text_in", "text_out"]

_ATTR = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
_NOT_XML = re.compile(r"[\\\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})")
_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,12}))?(Z|[+-]\d\d:\d\d)\Z"
)
_NS = 1_000_000_000


def attr(value: str) -> str:
    """`value` escaped for a double-quoted XML attribute (tab and newlines kept as such)."""
    return value.translate(_ATTR)


def _escape_char(match: re.Match[str]) -> str:
    c = match.group()
    if c == "\\":
        return "\\\\"
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unescape_char(match: re.Match[str]) -> str:
    body = match.group(1)
    return "\\" if body == "\\" else chr(int(body[1:], 16))


def text_out(value: str) -> str:
    """Free text made writable in XML 1.0 (see the module doc); `text_in` undoes it."""
    return _NOT_XML.sub(_escape_char, value)


def text_in(value: str) -> str:
    """The free text `text_out` wrote."""
    return _ESCAPED.sub(_unescape_char, value) if "\\" in value else value


def format_time(time_ns: int) -> str:
    """UTC nanoseconds as a CoT time, to the millisecond (truncated)."""
    seconds, rest = divmod(time_ns, _NS)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(seconds))}.{rest // 1_000_000:03d}Z"


def parse_time(text: str) -> int:
    """A CoT time (`Z` or `+hh:mm`, any fraction up to ns) as UTC nanoseconds; ValueError if not."""
    m = _TIME.match(text)
    if m is None:
        raise ValueError(f"not a CoT time (YYYY-MM-DDThh:mm:ss[.fff]Z): {text!r}")
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    datetime(y, mo, d, h, mi, s)  # range check: raises ValueError for month 13, second 61
    ns = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * _NS
    if m.group(7):
        ns += int(m.group(7)[:9].ljust(9, "0"))
    zone = m.group(8)
    if zone != "Z":
        offset = (int(zone[1:3]) * 60 + int(zone[4:6])) * 60 * _NS
        ns += -offset if zone[0] == "+" else offset
    return ns
