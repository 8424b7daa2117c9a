"""Machine-readable zones (ICAO Doc 9303, parts 3, 4 and 5): TD3 passports and TD1 identity cards.

A document scanned as text gives two lines of 44 characters (TD3) or three of 30 (TD1), in the
alphabet A-Z, 0-9 and the filler `<`. Every check digit is verified (7-3-1 weights over the
field, letters A=10 .. Z=35, `<` = 0) and a wrong one raises `CheckDigitError` naming the field:
the document number, the date of birth, the date of expiry, the optional personal number (TD3)
and the composite digit over them all. Any other defect raises `MrzError` naming where. Nothing
else ever escapes `parse_mrz` (a property test feeds it arbitrary text).

Written here rather than taken from a library: the format is a page of the standard, the
libraries on PyPI for it either OCR images (not our input) or return a validity flag without
saying which digit failed, and an officer at the lane needs to know which.

Dates carry two-digit years. Expiry is read as 20YY. Birth is read as 20YY unless that is after
`today`, then 19YY (ICAO leaves the century to the reader; a traveller is never born in the
future). Unknown parts of a date of birth (`<`) give `birth_date=None`, the check digit still
verified over the characters as printed.
"""

from __future__ import annotations

import datetime as dt
import re

import msgspec

from borderwatch.ops.checkpoints.errors import CheckDigitError, MrzError

__all__ = ["MrzDocument", "check_digit", "parse_mrz", "write_td3"]

_ALPHABET = re.compile(r"[A-Z0-9<]*")
_WEIGHTS = (7, 3, 1)


class MrzDocument(msgspec.Struct, frozen=True, kw_only=True):
    """What a machine-readable zone says, fields as printed except names (spaces, not `<`)."""

    format: str  # "TD1" or "TD3"
    document_code: str  # "P", "PD", "I", "ID", ... (fillers removed)
    issuing_state: str  # ICAO 3-letter code, e.g. "TUN", "LBY", "UTO" (the specimen's)
    document_number: str
    surname: str
    given_names: str
    nationality: str
    birth_date: str | None  # ISO 8601, None when the zone leaves it unknown
    sex: str  # "M", "F" or "X" (`<` is read as unspecified)
    expiry_date: str | None
    optional_data: str  # personal number (TD3) or optional fields (TD1), fillers removed


def _value(ch: str) -> int:
    if ch.isdigit():
        return ord(ch) - 48
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    return 0  # the filler


def check_digit(field: str) -> str:
    """The ICAO 9303 check digit of `field` (weights 7, 3, 1 repeating; modulo 10)."""
    return str(sum(_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(field)) % 10)


def _verify(field_name: str, field: str, digit: str) -> None:
    if not (digit.isdigit() or (digit == "<" and set(field) <= {"<"})):
        raise CheckDigitError(field_name, f"check digit {digit!r} is not a digit")
    expected = "<" if digit == "<" else check_digit(field)
    if digit != expected:
        raise CheckDigitError(
            field_name, f"check digit is {digit}, {field!r} gives {check_digit(field)}"
        )


def _date(field_name: str, text: str, expiry: bool, today: dt.date) -> str | None:
    if "<" in text:
        return None
    if not text.isdigit():
        raise MrzError(field_name, f"{text!r} is not a date YYMMDD")
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    year = 2000 + yy
    if not expiry and year > today.year:
        year -= 100
    try:
        return dt.date(year, mm, dd).isoformat()
    except ValueError:
        raise MrzError(field_name, f"{text!r} is not a calendar date") from None


def _names(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _sex(ch: str, where: str) -> str:
    if ch not in "MFX<":
        raise MrzError(where, f"sex {ch!r} is not M, F, X or <")
    return "X" if ch == "<" else ch


def _lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for i, line in enumerate(lines, 1):
        if not _ALPHABET.fullmatch(line):
            bad = next(ch for ch in line if not _ALPHABET.fullmatch(ch))
            raise MrzError(f"line {i}", f"character {bad!r} is not A-Z, 0-9 or <")
    return lines


def parse_mrz(text: str, today: dt.date | None = None) -> MrzDocument:
    """Parse a TD3 (2 x 44) or TD1 (3 x 30) zone; raises MrzError or CheckDigitError."""
    if not isinstance(text, str):
        raise MrzError("mrz", "not text")
    lines = _lines(text)
    shape = tuple(len(line) for line in lines)
    day = today or dt.date.today()
    if shape == (44, 44):
        return _td3(lines, day)
    if shape == (30, 30, 30):
        return _td1(lines, day)
    raise MrzError("mrz", f"lines of lengths {list(shape)}: not TD3 (44, 44) nor TD1 (30, 30, 30)")


def _td3(lines: list[str], today: dt.date) -> MrzDocument:
    one, two = lines
    if one[0] != "P":
        raise MrzError("document_code", f"a TD3 zone starts with P, not {one[0]!r}")
    number, nationality, personal = two[0:9], two[10:13], two[28:42]
    _verify("document_number", number, two[9])
    _verify("birth_date", two[13:19], two[19])
    _verify("expiry_date", two[21:27], two[27])
    _verify("personal_number", personal, two[42])
    _verify("composite", two[0:10] + two[13:20] + two[21:43], two[43])
    surname, given = _names(one[5:44])
    return MrzDocument(
        format="TD3",
        document_code=one[0:2].rstrip("<"),
        issuing_state=one[2:5].replace("<", ""),
        document_number=number.rstrip("<"),
        surname=surname,
        given_names=given,
        nationality=nationality.replace("<", ""),
        birth_date=_date("birth_date", two[13:19], False, today),
        sex=_sex(two[20], "sex"),
        expiry_date=_date("expiry_date", two[21:27], True, today),
        optional_data=personal.rstrip("<"),
    )


def _td1(lines: list[str], today: dt.date) -> MrzDocument:
    one, two, three = lines
    if one[0] not in "IAC":
        raise MrzError("document_code", f"a TD1 zone starts with I, A or C, not {one[0]!r}")
    number, optional = one[5:14], one[15:30]
    if one[14] == "<" and optional.strip("<"):
        # A number longer than 9 characters runs on into the optional field, its check digit
        # last before the first filler (Doc 9303 part 5, note j).
        run = optional.split("<", 1)[0]
        if len(run) < 2:
            raise MrzError("document_number", "long document number without its check digit")
        number, digit, optional = number + run[:-1], run[-1], optional[len(run) :]
    else:
        digit = one[14]
    _verify("document_number", number, digit)
    _verify("birth_date", two[0:6], two[6])
    _verify("expiry_date", two[8:14], two[14])
    _verify("composite", one[5:30] + two[0:7] + two[8:15] + two[18:29], two[29])
    surname, given = _names(three)
    return MrzDocument(
        format="TD1",
        document_code=one[0:2].rstrip("<"),
        issuing_state=one[2:5].replace("<", ""),
        document_number=number.rstrip("<"),
        surname=surname,
        given_names=given,
        nationality=two[15:18].replace("<", ""),
        birth_date=_date("birth_date", two[0:6], False, today),
        sex=_sex(two[7], "sex"),
        expiry_date=_date("expiry_date", two[8:14], True, today),
        optional_data=(optional + two[18:29]).strip("<"),
    )


def _field(text: str, width: int) -> str:
    """`text` in the zone's alphabet (spaces, hyphens and apostrophes as fillers), padded."""
    out = re.sub(r"[\s\-']", "<", text.upper())
    if not _ALPHABET.fullmatch(out) or len(out) > width:
        raise MrzError("mrz", f"{text!r} does not fit {width} characters of A-Z, 0-9 and <")
    return out.ljust(width, "<")


def write_td3(
    *,
    surname: str,
    given_names: str,
    number: str,
    issuing_state: str,
    nationality: str,
    birth: dt.date,
    sex: str,
    expiry: dt.date,
    personal: str = "",
) -> str:
    """The two lines of a TD3 passport zone with every check digit, as a printer writes them
    (for the twin's travellers and the tests; names already in Latin letters A-Z)."""
    names = _field(f"{surname}  {given_names}".strip().replace("  ", "<<"), 39)
    one = f"P<{_field(issuing_state, 3)}{names}"
    num, dob, exp = _field(number, 9), birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    pers = _field(personal, 14)
    two = (
        f"{num}{check_digit(num)}{_field(nationality, 3)}{dob}{check_digit(dob)}{sex[:1] or '<'}"
        f"{exp}{check_digit(exp)}{pers}{check_digit(pers)}"
    )
    composite = two[0:10] + two[13:20] + two[21:43]
    return f"{one}\n{two}{check_digit(composite)}"
