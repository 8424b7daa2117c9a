"""Small lookout lists for the checkpoint tests, written as a user would give them."""

from __future__ import annotations

from pathlib import Path

import pytest

CSV = """id,names,dob,nationality,documents,plates,category,agency,valid_until
Q1,Muammar Mohammed Abu Minyar al-Gaddafi|معمر القذافي,1942,LBY,,,sanction,un,
T1,Mohamed Ali Trabelsi|محمد علي الطرابلسي,1975-03-02,TUN,Z1234567,123 TU 4567,wanted,\
national_guard,2030-01-01
A1,Abd al-Rahman ben Youssef,1980,LY,,,wanted,partner:ly,
X1,Khaled Jaziri,1960-01-01,TUN,,,wanted,customs,2020-01-01
"""

FTM = "\n".join(
    [
        '{"id": "NK-1", "schema": "Person", "properties": {"name": ["Abdelhakim Belhadj"],'
        ' "alias": ["عبد الحكيم بلحاج", "Abu Abdallah al-Sadiq"], "birthDate": ["1966-05-01"],'
        ' "nationality": ["ly"], "passportNumber": ["LY-998877"], "topics": ["sanction"]}}',
        '{"id": "NK-2", "schema": "Company", "properties": {"name": ["Sahara Trading"]}}',
        '{"id": "NK-3", "schema": "Person", "properties": {"name": "not a list"}}',
        "not json",
    ]
)


@pytest.fixture
def csv_list(tmp_path: Path) -> Path:
    """A CSV lookout list of four entries (one expired)."""
    path = tmp_path / "watch.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.fixture
def ftm_list(tmp_path: Path) -> Path:
    """FollowTheMoney lines: a person, a company, a malformed person, a broken line."""
    path = tmp_path / "partner.jsonl"
    path.write_text(FTM + "\n", encoding="utf-8")
    return path
