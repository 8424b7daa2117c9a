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


def test_a_name_alone_weighs_by_how_many_bear_it() -> None:
    """Without a date of birth to compare, a full-name match on a name many bear (one in five
    listed people is a Mohamed, one in a hundred a ben Salah) is weak evidence; on a rare
    name it stands. With a date of birth on the entry, the date decides, not the name's
    frequency."""
    import random

    from borderwatch.ops.checkpoints import LoadedList, LookoutEntry, decode_passage

    rng = random.Random(5)

    def word() -> str:  # a made-up name part, its own skeleton almost surely
        return "".join(rng.choice("bdfkmnrstz") + rng.choice("aiou") for _ in range(4))

    filler = [f"Mohamed {word().title()}" for _ in range(400)]
    filler += [f"{word().title()} Ben Salah" for _ in range(20)]
    filler += [f"{word().title()} {word().title()}" for _ in range(1580)]
    entries = [LookoutEntry(id=f"F{i}", names=(n,)) for i, n in enumerate(filler)]
    entries += [
        LookoutEntry(id="COMMON", names=("Mohamed Ben Salah",)),
        LookoutEntry(id="RARE", names=("Zoubeir Kraiem",)),
        LookoutEntry(id="DATED", names=("Mohamed Ben Salah",), dob=("1970-05-04",)),
    ]
    screener = Screener([LoadedList(name="big", entries=tuple(entries))], on=TODAY)
    assert 0.19 < screener.index.share("MHMT") < 0.21
    assert screener.index.share("NOSUCH") == 1 / len(entries)  # never zero

    def screen(name: str, dob: str) -> dict[str, tuple[float, str]]:
        line = f'{{"id": "p", "names": ["{name}"], "dob": "{dob}"}}'
        return {h.entry: (h.score, "\n".join(h.why)) for h in screener.screen(decode_passage(line))}

    rare = screen("Zoubeir Kraiem", "1981-02-03")["RARE"]
    assert rare[0] == pytest.approx(0.95)  # only the missing date of birth (-0.05)
    assert "name alone" not in rare[1]
    common = screen("Mohamed Ben Salah", "1981-02-03")
    # One in five is a Mohamed, one in a hundred a ben Salah: about one in 450 bear both.
    assert common["COMMON"][0] == pytest.approx(rare[0] - 0.03 - 0.05, abs=0.01)
    assert "name alone: about 1 in 4" in common["COMMON"][1]
    assert "DATED" not in common  # born 11 years apart
    # Born that day: the date decides, whatever the name's frequency.
    dated = screen("Mohamed Ben Salah", "1970-05-04")
    assert dated["DATED"][0] == 1.0
    assert "name alone" not in dated["DATED"][1]
    assert "name alone" in dated["COMMON"][1]  # the undated namesake: the name alone


def test_a_name_in_another_order_than_any_writing_of_it_weighs_less() -> None:
    """Family name first or last is one name turned round (an MRZ, a register); the father's
    name before the given name is another man (Saleh son of Khalid is not Khalid son of
    Saleh)."""
    from borderwatch.ops.checkpoints import LoadedList, LookoutEntry
    from borderwatch.ops.checkpoints.screen import REORDERED

    entry = LookoutEntry(id="K", names=("Khalid Saleh Zitouni",), dob=("1970",))
    screener = Screener([LoadedList(name="w", entries=(entry,))], on=TODAY)

    def screen(name: str) -> tuple[float, str]:
        line = f'{{"id": "p", "names": ["{name}"], "dob": "1970-05-04"}}'
        (hit,) = screener.screen(decode_passage(line))
        return hit.score, "\n".join(hit.why)

    same, turned, swapped = (
        screen(n) for n in ("Khalid Saleh Zitouni", "ZITOUNI KHALID SALEH", "Saleh Khalid Zitouni")
    )
    assert same[0] == turned[0]
    assert "another order" not in turned[1]
    assert same[0] == 1.0
    assert swapped[0] == pytest.approx(1.0 - REORDERED + 0.04)  # the year of birth agrees
    assert "in another order than any writing of one name" in swapped[1]
