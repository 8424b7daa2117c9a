"""ICAO 9303 zones: the specimens parse; every check digit of them, changed, is caught and named;
any text whatever raises only the parser's own errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.ops.checkpoints import CheckDigitError, MrzError, parse_mrz
from borderwatch.ops.checkpoints.mrz import check_digit

TODAY = dt.date(2026, 12, 6)
# The specimens of ICAO Doc 9303 part 4 (TD3, Anna Maria Eriksson of Utopia) and part 5 (TD1).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
# (line, column) of each check digit, and the field it guards.
TD3_DIGITS = {
    (1, 9): "document_number",
    (1, 19): "birth_date",
    (1, 27): "expiry_date",
    (1, 42): "personal_number",
    (1, 43): "composite",
}
TD1_DIGITS = {
    (0, 14): "document_number",
    (1, 6): "birth_date",
    (1, 14): "expiry_date",
    (1, 29): "composite",
}


def _set(zone: str, line: int, col: int, ch: str) -> str:
    lines = zone.split("\n")
    lines[line] = lines[line][:col] + ch + lines[line][col + 1 :]
    return "\n".join(lines)


def test_td3_specimen() -> None:
    doc = parse_mrz(TD3, TODAY)
    assert (doc.format, doc.document_code, doc.issuing_state) == ("TD3", "P", "UTO")
    assert (doc.surname, doc.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert (doc.document_number, doc.nationality, doc.sex) == ("L898902C3", "UTO", "F")
    assert (doc.birth_date, doc.expiry_date) == ("1974-08-12", "2012-04-15")
    assert doc.optional_data == "ZE184226B"


def test_td1_specimen() -> None:
    doc = parse_mrz(TD1, TODAY)
    assert (doc.format, doc.document_code, doc.document_number) == ("TD1", "I", "D23145890")
    assert (doc.surname, doc.given_names, doc.birth_date) == (
        "ERIKSSON",
        "ANNA MARIA",
        "1974-08-12",
    )


def test_check_digit_examples() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("<<<<<<") == "0"


@pytest.mark.parametrize(
    ("zone", "digits"), [(TD3, TD3_DIGITS), (TD1, TD1_DIGITS)], ids=["TD3", "TD1"]
)
def test_every_check_digit_error_is_named(zone: str, digits: dict[tuple[int, int], str]) -> None:
    lines = zone.split("\n")
    for (line, col), field in digits.items():
        good = lines[line][col]
        for wrong in "0123456789":
            if wrong == good:
                continue
            with pytest.raises(CheckDigitError) as err:
                parse_mrz(_set(zone, line, col, wrong), TODAY)
            assert err.value.field == field, (line, col, wrong)


@pytest.mark.parametrize(
    ("zone", "digits"), [(TD3, TD3_DIGITS), (TD1, TD1_DIGITS)], ids=["TD3", "TD1"]
)
def test_every_guarded_character_changed_is_caught(
    zone: str, digits: dict[tuple[int, int], str]
) -> None:
    """Any character changed by one step (a digit +1, a letter to the next) inside a guarded
    field fails its own digit or the composite. (The 7-3-1 scheme cannot see a change by a
    multiple of 10, such as L (21) for 1: a property of ICAO's digit, not of the parser.)"""
    guarded = {
        "TD3": [(1, c) for c in [*range(9), *range(13, 19), *range(21, 27)]],
        "TD1": [(0, c) for c in range(5, 14)] + [(1, c) for c in [*range(6), *range(8, 14)]],
    }["TD3" if zone == TD3 else "TD1"]
    lines = zone.split("\n")
    for line, col in guarded:
        ch = lines[line][col]
        wrong = str((int(ch) + 1) % 10) if ch.isdigit() else "A" if ch == "Z" else chr(ord(ch) + 1)
        with pytest.raises(MrzError):
            parse_mrz(_set(zone, line, col, wrong), TODAY)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "mrz"),
        (TD3.replace("P<UTO", "p<UTO"), "line 1"),
        (TD3[:-1], "mrz"),
        (_set(TD3, 0, 0, "V"), "document_code"),
        (_set(_set(TD3, 1, 17, "3"), 1, 16, "1"), "birth_date"),
        (_set(TD3, 1, 20, "Q"), "sex"),
    ],
    ids=["empty", "lower-case", "short", "not-a-passport", "month-13", "sex"],
)
def test_malformed_zones_are_named(text: str, field: str) -> None:
    with pytest.raises(MrzError) as err:
        parse_mrz(text, TODAY)
    assert err.value.field == field


def test_long_td1_document_number() -> None:
    # Doc 9303 part 5: a 12-character number runs into the optional field, its digit after it.
    number = "D23145890734"
    head = f"I<UTO{number[:9]}<{number[9:]}{check_digit(number)}"
    one = head + "<" * (30 - len(head))
    two = "7408122F1204159UTO<<<<<<<<<<<"
    composite = check_digit(one[5:30] + two[0:7] + two[8:15] + two[18:29])
    doc = parse_mrz(f"{one}\n{two}{composite}\nERIKSSON<<ANNA<MARIA<<<<<<<<<<", TODAY)
    assert doc.document_number == number


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=120),
        st.lists(
            st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<", min_size=30, max_size=44),
            min_size=2,
            max_size=3,
        ).map("\n".join),
        st.tuples(st.integers(0, 1), st.integers(0, 43), st.characters()).map(
            lambda t: _set(TD3, t[0], t[1], t[2])
        ),
    )
)
def test_fuzz_only_named_errors(text: str) -> None:
    try:
        parse_mrz(text, TODAY)
    except MrzError as exc:
        failure: MrzError | None = exc
    else:
        failure = None
    assert failure is None or failure.field
