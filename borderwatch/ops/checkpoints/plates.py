"""Number plates of the two countries that meet at Ras Ajdir and Dehiba–Wazen, parsed into one
normal form so a plate typed at the lane matches the plate on a lookout list however each was
written.

Tunisian plates (ordinary series): a series number (1-999), the word تونس ("TU" in Latin
writing), a serial number (1-9999). On the plate the series stands right of the word and the
serial left of it; typed in Arabic the series comes first in logical order, in Latin too
(`123 TU 4567`). Text in visual order (an OCR reading the plate left to right in Arabic:
`4567 تونس 123`) is recognised when one side has four digits: only a serial can.

Libyan plates: a region code (1-99), a dash, a serial (1-7 digits), optionally with the word
ليبيا / LIBYA / LBY in front; in Arabic script the digits are often Arabic-Indic (`٥-١٢٣٤٥٦`).

Digits in any script (ASCII, Arabic-Indic U+0660.., Eastern Arabic-Indic U+06F0..) are read as
the same digits; spaces, dots and dashes between groups are ignored for Tunisian plates. The
normal form `TN 123 TU 4567` / `LY 5-123456` is what lists and passages are compared on.
Anything else raises `PlateError` naming why (an unknown series word, a number out of range).
"""

from __future__ import annotations

import re

import msgspec

from borderwatch.ops.checkpoints.errors import PlateError

__all__ = ["Plate", "normalise_digits", "parse_plate"]

_DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
# The series word as written: Arabic, Latin abbreviations, and the French name.
_TUNISIA = {"تونس", "TU", "TN", "TUN", "TUNIS", "TUNISIE", "TUNISIA"}
_LIBYA = {"ليبيا", "LIBYA", "LIBYE", "LBY", "LY"}
_TN = re.compile(r"^(\d+)\s*([^\d\s]+)\s*(\d+)$")
_LY = re.compile(r"^(?:([^\d\s-]+)\s*)?(\d+)\s*-\s*(\d+)$")
# Direction marks and tatweel that copy-paste from Arabic text carries along.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u061c\u0640"))


class Plate(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed plate: country ("TN", "LY"), its two numbers, and the normal form."""

    country: str
    series: int  # Tunisia: the series number; Libya: the region code
    serial: int
    text: str  # normal form: "TN 123 TU 4567" or "LY 5-123456"


def normalise_digits(text: str) -> str:
    """`text` with Arabic-Indic and Eastern Arabic-Indic digits as ASCII digits."""
    return text.translate(_DIGITS)


def _clean(raw: str) -> str:
    text = normalise_digits(raw).translate(_INVISIBLE).upper().strip()
    return re.sub(r"[\s.]+", " ", text)


def parse_plate(raw: str) -> Plate:
    """Parse a Tunisian or Libyan plate as written; raises PlateError."""
    if not isinstance(raw, str):
        raise PlateError("plate", "not text")
    text = _clean(raw)
    if not text:
        raise PlateError("plate", "empty")
    if (m := _LY.match(text)) is not None:
        word, code, serial = m.groups()
        if word is not None and word not in _LIBYA:
            raise PlateError("plate", f"{word!r} is not a Libyan series word", "plate_series")
        return _libyan(int(code), serial)
    # The normal form parses to itself ("TN 123 TU 4567"): a record keeps plates normalised.
    text = text.removeprefix("TN ")
    if (m := _TN.match(text.replace("-", " "))) is None:
        raise PlateError("plate", f"{raw!r} is neither NNN TU NNNN (Tunisia) nor NN-NNNNNN (Libya)")
    left, word, right = m.groups()
    if word in _LIBYA:
        return _libyan(int(left), right)
    if word not in _TUNISIA:
        raise PlateError("plate", f"{word!r} is not a Tunisian series word", "plate_series")
    if len(left) == 4 and len(right) <= 3:  # visual order: the serial printed first
        left, right = right, left
    series, serial = int(left), int(right)
    if not 1 <= series <= 999:
        raise PlateError("plate", f"series {series} is not 1-999", "plate_range")
    if not 1 <= serial <= 9999:
        raise PlateError("plate", f"serial {serial} is not 1-9999", "plate_range")
    return Plate(country="TN", series=series, serial=serial, text=f"TN {series} TU {serial}")


def _libyan(code: int, serial_text: str) -> Plate:
    if not 1 <= code <= 99:
        raise PlateError("plate", f"region code {code} is not 1-99", "plate_range")
    if len(serial_text) > 7 or int(serial_text) == 0:
        raise PlateError("plate", f"serial {serial_text} is not 1-7 digits", "plate_range")
    serial = int(serial_text)
    return Plate(country="LY", series=code, serial=serial, text=f"LY {code}-{serial}")
