"""Screening: variants across scripts hit their entry with an explanation; innocents, other
people and expired entries do not; date of birth, documents and plates weigh as stated."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from borderwatch.ops.checkpoints import PassageError, Screener, decode_passage, load_list

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def screener(csv_list: Path, ftm_list: Path) -> Screener:
    return Screener([load_list(csv_list), load_list(ftm_list)], on=TODAY)


def _hits(screener: Screener, line: str) -> list[tuple[str, float]]:
    return [(h.entry, h.score) for h in screener.screen(decode_passage(line))]


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "1", "names": ["Moammar Kadhafi"], "dob": "1942-06-07"}',
        '{"id": "2", "names": ["القذافي معمر"]}',
        '{"id": "3", "names": ["KAZZAFI MUAMMAR"], "nationality": "LY"}',
    ],
)
def test_gaddafi_variants_hit(screener: Screener, line: str) -> None:
    assert [e for e, _ in _hits(screener, line)] == ["Q1"]


def test_hit_explains_itself(screener: Screener) -> None:
    [hit] = screener.screen(
        decode_passage('{"id": "1", "names": ["Trabelsi Mohamed"], "dob": "1975-03-02"}')
    )
    assert hit.entry == "T1"
    assert hit.list == "watch"
    text = "\n".join(hit.why)
    assert "trabelsi" in text
    assert "not matched: ali" in text
    assert "date of birth: same, 1975-03-02" in text


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "1", "names": ["Mohamed Ali"]}',  # the surname missing: many people
        '{"id": "2", "names": ["Mohamed Ali Jaziri"], "dob": "1975-03-02"}',
        '{"id": "3", "names": ["Mohamed Ali Trabelsi"], "dob": "1999-07-01"}',  # born 24 y later
        '{"id": "4", "names": ["Khaled Jaziri"], "dob": "1960-01-01"}',  # entry expired
        '{"id": "5", "names": ["Ahmed Ben Salah"], "dob": "1970"}',
        '{"id": "6"}',
    ],
    ids=["surname-missing", "other-surname", "other-dob", "expired", "innocent", "nothing"],
)
def test_no_hit(screener: Screener, line: str) -> None:
    assert _hits(screener, line) == []


def test_document_and_plate_hit_alone(screener: Screener) -> None:
    assert _hits(screener, '{"id": "1", "document": "z-1234567"}') == [("T1", 0.97)]
    assert _hits(screener, '{"id": "2", "plate": "4567 تونس 123"}') == [("T1", 0.9)]
    assert _hits(screener, '{"id": "3", "names": ["Someone Else"], "document": "LY998877"}') == [
        ("NK-1", 0.97)
    ]


def test_arabic_alias_from_ftm(screener: Screener) -> None:
    hits = _hits(screener, '{"id": "1", "names": ["Abdel Hakim Bel Hadj"], "dob": "1966"}')
    assert [e for e, _ in hits] == ["NK-1"]


def test_threshold_per_list(csv_list: Path) -> None:
    strict = Screener([load_list(csv_list)], thresholds=[0.999], on=TODAY)
    assert _hits(strict, '{"id": "1", "names": ["Trabelsi Mohamed"]}') == []


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"names": ["A B"]}', "$"),
        ('{"id": "1", "names": "A B"}', "$.names"),
        ('{"id": "1", "dob": "1975-02-30"}', "$.dob"),
        ('{"id": "1", "nationality": "Libya"}', "$.nationality"),
        ('{"id": "1", "plate": "XYZ"}', "$.plate"),
        ('{"id": "1", "document": "--"}', "$.document"),
        ('{"id": "1", "colour": "red"}', "$"),
        ("{", "$"),
    ],
)
def test_bad_passages_named(line: str, field: str) -> None:
    with pytest.raises(PassageError) as err:
        decode_passage(line)
    assert err.value.field == field
