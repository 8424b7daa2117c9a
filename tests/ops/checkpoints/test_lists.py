"""Lookout lists from CSV and FollowTheMoney JSON lines; bad records named and left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from borderwatch.ops.checkpoints import ListError, load_list
from borderwatch.ops.checkpoints.lists import entries_from_csv


def test_csv_loads(csv_list: Path) -> None:
    loaded = load_list(csv_list)
    assert loaded.name == "watch"
    assert [e.id for e in loaded.entries] == ["Q1", "T1", "A1", "X1"]
    t1 = loaded.entries[1]
    assert t1.names == ("Mohamed Ali Trabelsi", "محمد علي الطرابلسي")
    assert t1.documents == ("Z1234567",)
    assert t1.plates == ("TN 123 TU 4567",)
    assert loaded.entries[2].nationality == ("LBY",)  # alpha-2 kept as alpha-3
    assert not loaded.entries[3].active(dt.date(2026, 12, 6))
    assert loaded.entries[1].active(dt.date(2026, 12, 6))


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",Name,,,,,,,", "x.csv:2:id"),
        ("B1,,,,,,,,", "x.csv:2:names"),
        ("B1,Ali Ben Ali,1975-13-01,,,,,,", "x.csv:2:dob"),
        ("B1,Ali Ben Ali,,XX,,,,,", "x.csv:2:nationality"),
        ("B1,Ali Ben Ali,,,,ABC,,,", "x.csv:2:plates"),
        ("B1,Ali Ben Ali,,,,,,,tomorrow", "x.csv:2:valid_until"),
    ],
)
def test_csv_bad_rows_named(row: str, field: str) -> None:
    header = "id,names,dob,nationality,documents,plates,category,agency,valid_until\n"
    good = "G1,Khaled Jaziri,,,,,,,\n"
    items = list(entries_from_csv((header + row + "\n" + good).splitlines(True), "x.csv"))
    assert isinstance(items[0], ListError)
    assert items[0].field == field
    assert not isinstance(items[1], ListError)
    assert items[1].id == "G1"  # the next line still loads


def test_csv_missing_column() -> None:
    with pytest.raises(ListError, match="missing column"):
        list(entries_from_csv(["id,names\n", "1,Ali\n"], "x.csv"))


def test_ftm_loads_people_only(ftm_list: Path) -> None:
    loaded = load_list(ftm_list)
    assert [e.id for e in loaded.entries] == ["NK-1"]
    person = loaded.entries[0]
    assert person.names[0] == "Abdelhakim Belhadj"
    assert "عبد الحكيم بلحاج" in person.names
    assert (person.dob, person.nationality, person.documents) == (
        ("1966-05-01",),
        ("LBY",),
        ("LY998877",),
    )
    assert person.category == "sanction"
    assert loaded.skipped == 1  # the company
    assert sorted(e.field for e in loaded.errors) == [
        f"{ftm_list}:3:properties.name",
        f"{ftm_list}:4",
    ]


def test_sex_is_optional_in_lists_and_passages() -> None:
    """A CSV may add a `sex` column (M, F or X), FollowTheMoney gives `gender`; a passage may
    carry `sex` as its MRZ does. The nine columns alone still load."""
    from borderwatch.ops.checkpoints import PassageError, decode_passage
    from borderwatch.ops.checkpoints.lists import entries_from_ftm

    header = "id,names,dob,nationality,documents,plates,category,agency,valid_until"
    [plain] = entries_from_csv([header, "A,Ali Zidane,,,,,,,"], "x.csv")
    assert not isinstance(plain, ListError)
    assert plain.sex is None
    rows = [header + ",sex", "A,Ali Zidane,,,,,,,,m", "B,Aicha Kadhafi,,,,,,,,F", "C,X Y,,,,,,,,X"]
    assert [getattr(e, "sex", e) for e in entries_from_csv(rows, "x.csv")] == ["M", "F", None]
    [bad] = entries_from_csv([header + ",sex", "A,Ali Zidane,,,,,,,,Q"], "x.csv")
    assert isinstance(bad, ListError)
    assert bad.field == "x.csv:2:sex"
    ftm = '{"id": "P", "schema": "Person", "properties": {"name": ["Aisha"], "gender": ["female"]}}'
    [person] = entries_from_ftm([ftm], "f.json")
    assert person is not None
    assert not isinstance(person, ListError)
    assert person.sex == "F"
    assert decode_passage('{"id": "1", "sex": "f"}').sex == "F"
    assert decode_passage('{"id": "1", "sex": "X"}').sex is None
    with pytest.raises(PassageError) as err:
        decode_passage('{"id": "1", "sex": "Q"}')
    assert err.value.field == "$.sex"
