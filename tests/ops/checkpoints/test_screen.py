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
    import math
    import random

    from borderwatch.ops.checkpoints import LoadedList, LookoutEntry, decode_passage
    from borderwatch.ops.checkpoints.screen import EVIDENCE_DECADE, NO_DOB, ONE_IN

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
    assert "bears the name" not in rare[1]
    common = screen("Mohamed Ben Salah", "1981-02-03")
    # One in five is a Mohamed, one in a hundred a ben Salah: about one in 450 bear both,
    # log10(450 / 10,000) = 1.35 decades short of one in 10,000.
    f = screener.index.share("MHMT") * screener.index.share("BNSL")
    lost = EVIDENCE_DECADE * math.log10(f / ONE_IN)
    assert 1.3 < lost / EVIDENCE_DECADE < 1.4
    name = float(common["COMMON"][1].split("\n")[0].split()[1].rstrip(":"))
    assert common["COMMON"][0] == pytest.approx(name - NO_DOB - lost, abs=0.006)  # name: 2 places
    assert "short of one in 10,000: about 1 in 4" in common["COMMON"][1]
    assert "DATED" not in common  # born 11 years apart
    # Born that day: the date decides, whatever the name's frequency.
    dated = screen("Mohamed Ben Salah", "1970-05-04")
    assert dated["DATED"][0] == 1.0
    assert "bears the name" not in dated["DATED"][1]
    assert "bears the name" in dated["COMMON"][1]  # the undated namesake: the name alone


def test_a_name_in_another_order_than_any_writing_of_it_weighs_less() -> None:
    """Family name first or last is one name turned round (an MRZ, a register); the father's
    name before the given name is another man (Saleh son of Khalid is not Khalid son of
    Saleh)."""
    from borderwatch.ops.checkpoints import LoadedList, LookoutEntry
    from borderwatch.ops.checkpoints.screen import DOB_YEAR, EVIDENCE_DECADE, NO_DOB, REORDERED

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
    year = EVIDENCE_DECADE * DOB_YEAR - NO_DOB  # the year of birth agrees: one in 60
    assert swapped[0] == pytest.approx(round(1.0 - REORDERED + year, 3))
    assert "in another order than any writing of one name" in swapped[1]


def test_the_rest_of_the_document_pays_for_a_common_name() -> None:
    """The same full date of birth carries a partial name (a typed given name) over the
    threshold and pays for a common name; a nationality or sex the entry does not give
    counts against a name, and most against a common name with nothing else."""
    from borderwatch.ops.checkpoints import LoadedList, LookoutEntry
    from borderwatch.ops.checkpoints.screen import DOB_DAY, EVIDENCE_DECADE

    assert 4.3 < DOB_DAY < 4.4  # one in about 60 x 365 shares a full date
    filler = [LookoutEntry(id=f"F{i}", names=(f"Mohamed X{i:04d}",)) for i in range(1500)]
    entries = [
        *filler,
        LookoutEntry(id="M", names=("Mohamed Zitouni",), nationality=("TUN",), sex="M"),
        LookoutEntry(id="D", names=("Mohammad Uthman Al-Lashaani",), dob=("1964-07-11",)),
    ]
    screener = Screener([LoadedList(name="w", entries=tuple(entries))], on=TODAY)

    def hit(line: str, entry: str) -> tuple[float, str] | None:
        got = {h.entry: h for h in screener.screen(decode_passage(line))}
        return (got[entry].score, "\n".join(got[entry].why)) if entry in got else None

    typed = '{"id": "1", "names": ["MOHAMAD OTMAN AL LCAHANI"], "dob": "1964-07-11"}'
    found = hit(typed, "D")
    assert found is not None
    assert f"date of birth: same, 1964-07-11 (+{EVIDENCE_DECADE * DOB_DAY - 0.05:.2f})" in found[1]
    assert float(found[1].split()[1].rstrip(":")) < 0.7  # the name alone would not do
    # The same partial name born another year is not him.
    assert hit(typed.replace("1964-07-11", "1980-02-03"), "D") is None
    same = hit('{"id": "2", "names": ["Mohamed Zitouni"], "nationality": "TN", "sex": "M"}', "M")
    other = hit('{"id": "3", "names": ["Mohamed Zitouni"], "nationality": "DZ", "sex": "M"}', "M")
    woman = hit('{"id": "4", "names": ["Mohamed Zitouni"], "nationality": "TN", "sex": "F"}', "M")
    assert same is not None
    assert "nationality: same, TUN" in same[1]
    assert "sex:" not in same[1]  # the same sex is no evidence once the given name matched
    assert other is None or other[0] < same[0] - 2 * EVIDENCE_DECADE
    assert woman is None or woman[0] < same[0] - 2 * EVIDENCE_DECADE
