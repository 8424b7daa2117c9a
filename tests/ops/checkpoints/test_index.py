"""The name index: blocking keys, weights, and the two ways of meeting a passage's tokens
(scattered postings, looked-up postings) finding the same names."""

from __future__ import annotations

import random

import pytest

from borderwatch.ops.checkpoints import index as index_module
from borderwatch.ops.checkpoints.index import NameIndex, blocking_keys, probe_keys
from borderwatch.ops.checkpoints.lists import LookoutEntry
from borderwatch.ops.checkpoints.names import name_tokens

GIVEN = ["Mohamed", "Ahmed", "Fatma", "Ali", "Youssef", "Khaled", "Salah", "Aicha", "Hedi"]
FAMILY = ["Trabelsi", "Jebali", "Ouerfelli", "Gaddafi", "Ben Salah", "Zouari", "Chebbi"]
FAMILY += ["Haftar", "Belhadj", "Ghannouchi", "Marzouki", "Hammami", "Dridi", "Sassi"]


def _entries(n: int, seed: int = 1) -> list[LookoutEntry]:
    rng = random.Random(seed)
    return [
        LookoutEntry(
            id=f"E{i}",
            names=(f"{rng.choice(GIVEN)} {rng.choice(GIVEN)} {rng.choice(FAMILY)}",),
        )
        for i in range(n)
    ]


def test_keys() -> None:
    [tok] = name_tokens("Trabelsi")
    assert blocking_keys(tok) == {"TRBLS", "RBLS", "TBLS", "TRLS", "TRBS", "TRBL"}
    [tok] = name_tokens("Abdeljelil")  # Abd + two classes: no neighbours (BTL: Abdallah)
    assert blocking_keys(tok) == {"BTJL"}
    [tok] = name_tokens("Abderrahmane")  # only the part after Abd varies
    assert blocking_keys(tok) == {"BTRHMN", "BTHMN", "BTRMN", "BTRHN", "BTRHM"}
    [tok] = name_tokens("Mohamed")  # a common name: no neighbours
    assert blocking_keys(tok) == {"MHMT"}


def test_short_skeletons_have_neighbours_of_their_own() -> None:
    [tok] = name_tokens("Jazami")  # three classes: neighbours filed apart from two-class names
    assert blocking_keys(tok) == {"JTM", "~TM", "~JM", "~JT"}
    # Probed also under the two-class skeletons it spells less a class (a listed Jama, JM).
    assert probe_keys(tok) == {"JTM": True, "~TM": False, "~JM": False, "~JT": False,
                               "TM": False, "JM": False, "JT": False}  # fmt: skip
    [tok] = name_tokens("Jaeami")  # two classes: meets the three-class names it is in
    assert probe_keys(tok) == {"JM": True, "~JM": False}
    [tok] = name_tokens("Krgdjou")  # less R, the two K are one, as in Qaqjoo
    assert "KJ" in blocking_keys(tok)
    [tok] = name_tokens("Ahmed")  # a common name: no neighbours
    assert probe_keys(tok) == {"HMT": True}


@pytest.mark.parametrize(
    ("passage", "listed"),
    [("Muhammad Jaeami", "Muhamad Saalih Jazami"), ("Amina Tahsi", "Amina Hamdi Tassi"),
     ("Ahmad Krgdjou", "Ahmad Qaqjoo"), ("Khaled Jazami", "Khaled Jalami")],
)  # fmt: skip
def test_a_typo_in_a_short_name_meets_it(passage: str, listed: str) -> None:
    entries = [*_entries(3_000), LookoutEntry(id="T", names=(listed,))]
    index = NameIndex(entries)
    rows = index.candidates(name_tokens(passage), limit=10**6).tolist()
    assert "T" in {entries[int(index.row_entry[r])].id for r in rows}


def test_weights_favour_rare_names() -> None:
    index = NameIndex(_entries(3_000))
    mohamed, trabelsi = name_tokens("Mohamed Trabelsi")
    assert index.weight(mohamed) < index.weight(trabelsi)


@pytest.mark.parametrize(
    "name", ["Mohamed Trabelsi", "Ahmed Ali Gaddafi", "Fatma Ben Salah", "Mohamed Ahmed Trabelsi"]
)
def test_lookup_and_scatter_agree(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    entries = _entries(3_000)
    tokens = name_tokens(name)
    monkeypatch.setattr(index_module, "FREQUENT", 10**9)  # every posting scattered
    scattered = set(NameIndex(entries).candidates(tokens, limit=10**6).tolist())
    monkeypatch.setattr(index_module, "FREQUENT", 50)  # nearly every posting looked up
    index = NameIndex(entries)
    looked_up = set(index.candidates(tokens, limit=10**6).tolist())
    assert scattered
    # Looking up checks frequent tokens through their own skeletons only: never more rows.
    assert looked_up <= scattered
    # Every listed name with all the passage's words, or with one word more, is found
    # (when every word is common, only those: see NameIndex._all_common).
    words = sorted(t.bare for t in tokens)
    exact = set()
    for row in range(index.rows):
        listed = sorted(t.bare for t in index.row_tokens[row])
        if len(listed) <= len(words) + 1 and all(listed.count(w) >= words.count(w) for w in words):
            exact.add(row)
    assert exact
    assert exact <= looked_up


def test_limit_keeps_the_best() -> None:
    index = NameIndex(_entries(3_000))
    rows = index.candidates(name_tokens("Khaled Hedi Haftar"), limit=5)
    assert len(rows) == 5
    for row in rows.tolist():
        assert "haftar" in {t.latin for t in index.row_tokens[row]}


def test_two_short_neighbours_do_not_outrank_an_exact_token() -> None:
    # Kasi (KS) and Mata (MT) are each a class short of Gachshat (KST) and Motafa (MTF): a
    # name meeting both so loosely must not push out of the best few the listed name that
    # meets Gachshat exactly.
    entries = [LookoutEntry(id=f"N{i}", names=("Kasi Mata",)) for i in range(40)]
    entries.append(LookoutEntry(id="T", names=("Mostefa El-Qachchat",)))
    index = NameIndex(entries)
    rows = index.candidates(name_tokens("Gachshat Motafa"), limit=5).tolist()
    assert "T" in {entries[int(index.row_entry[r])].id for r in rows}
