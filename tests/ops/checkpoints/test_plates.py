"""Plates: Tunisian and Libyan plates in any digits and either series word meet in one form."""

from __future__ import annotations

import pytest

from borderwatch.ops.checkpoints import PlateError, parse_plate


@pytest.mark.parametrize(
    "text",
    [
        "123 TU 4567",
        "123TU4567",
        "123 tu 4567",
        "١٢٣ تونس ٤٥٦٧",
        "۱۲۳ تونس ۴۵۶۷",
        "4567 تونس 123",
        "123-TU-4567",
        "\u200f١٢٣ تونس ٤٥٦٧\u200f",
        "123 TUNISIE 4567",
    ],
    ids=[
        "latin",
        "joined",
        "lower",
        "arabic-indic",
        "eastern-indic",
        "visual-order",
        "dashes",
        "rtl-marks",
        "french",
    ],
)
def test_tunisian_forms_meet(text: str) -> None:
    plate = parse_plate(text)
    assert (plate.country, plate.series, plate.serial) == ("TN", 123, 4567)
    assert plate.text == "TN 123 TU 4567"


@pytest.mark.parametrize("text", ["123 TU 4567", "4567 تونس 123", "5-123456", "ليبيا ٥-١٢٣٤٥٦"])
def test_the_normal_form_parses_to_itself(text: str) -> None:
    # A passage's record keeps its plate normalised, and re-reads it (records.record).
    normal = parse_plate(text).text
    assert parse_plate(normal).text == normal


@pytest.mark.parametrize(
    "text", ["5-123456", "٥-١٢٣٤٥٦", "ليبيا ٥-١٢٣٤٥٦", "LBY 5 - 123456", "libya 05-123456"]
)
def test_libyan_forms_meet(text: str) -> None:
    assert parse_plate(text).text == "LY 5-123456"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "plate"),
        ("ABC", "plate"),
        ("123 XX 4567", "plate_series"),
        ("0 TU 4567", "plate_range"),
        ("1234 TU 12345", "plate_range"),
        ("100-1234", "plate_range"),
        ("5-12345678", "plate_range"),
        ("مصر 5-1234", "plate_series"),
    ],
)
def test_bad_plates_named(text: str, code: str) -> None:
    with pytest.raises(PlateError) as err:
        parse_plate(text)
    assert err.value.code == code
    assert err.value.field == "plate"
