"""Benchmark (issue 17, bar 1): screening accuracy on labelled name variants, side by side with
exact match after normalisation and plain Jaro-Winkler.

The set (bench/checkpoint_data.py, code that shares nothing with the matcher):
- a list of `n_list` people written as a partner or a ministry would (English, French, Libyan
  usage or Arabic script, sometimes with an alias in the other script; date of birth full,
  year only or missing; nationality mostly given);
- one passage per listed person written another way (another convention or script, family
  name first, father's name dropped, a typing error, upper case as from an MRZ), with the
  date of birth and often the nationality from the document;
- the hand-written real-world variants (Gaddafi, Qadhafi, Kadhafi, Kazzafi, القذافي ...): the
  first form listed, every other form a passage;
- `n_innocent` passages of other people drawn from the same name pools (so many share given
  names and some family names with the list), and `n_lookalike` near misses: a listed person's
  given and father's names with another family name, or their family name with other given
  names, each with their own date of birth.

A positive counts as found only when the right entry is among the hits. Bars, as the issue
sets them: recall >= 0.98 over all positives with <= 0.5 % of innocent passages (random and
near misses together, every one of them) flagged, at the default threshold, with the whole
passage (names, date of birth, nationality). Innocents who bear a listed person's very name
(same given and family names as phonemes, however written: `homonyms`, about 5 % of them, as
in a real population where Mohamed is common) can only be told apart by a date of birth, and
10 % of the entries have none: the matcher weakens a name alone by how many people bear it
(`screen._commonness`), which costs the listed people with common names their recall as much
as it spares their namesakes. The flagged share without the homonyms is reported beside it.
The matcher's constants were set on seed 17 (the development seed); the benchmark reports
seed 17 and seed 2026, and judges the bars on 2026, which the constants never saw. The same
run reports names alone, and the two baselines on names (they have no notion of a date of
birth): exact match of the ICU-normalised token sets, and Jaro-Winkler >= 0.9 on the
normalised Latin letters of the whole name.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from bench.checkpoint_data import REAL_WORLD, Person, make_person, render
from borderwatch.ops.checkpoints import LoadedList, LookoutEntry, Screener
from borderwatch.ops.checkpoints.names import to_latin
from borderwatch.ops.checkpoints.passages import Passage

__all__ = ["build_set", "run"]

RECALL_BAR = 0.98
FLAGGED_BAR = 0.005
JW_THRESHOLD = 0.9
TODAY = dt.date(2026, 12, 6)


@dataclass
class LabelledSet:
    """Entries, and passages each labelled with the entry it is (None: an innocent)."""

    entries: list[LookoutEntry] = field(default_factory=list)
    passages: list[tuple[Passage, str | None, str]] = field(default_factory=list)  # kind
    people: dict[str, Person] = field(default_factory=dict)  # by entry and passage id


def _dob(rng: random.Random, dob: str) -> tuple[str, ...]:
    r = rng.random()
    return (dob,) if r < 0.6 else (dob[:4],) if r < 0.9 else ()


def _passage_name(rng: random.Random, p: Person) -> str:
    conv = rng.choices(["fr", "en", "ly", "ar"], weights=[3, 3, 1, 3])[0]
    return render(
        p,
        conv,
        rng,
        drop_middle=rng.random() < 0.3,
        family_first=rng.random() < 0.4,
        typo=rng.random() < 0.25,
        upper=rng.random() < 0.4,
    )


def build_set(seed: int, n_list: int, n_innocent: int, n_lookalike: int) -> LabelledSet:
    """The labelled set (deterministic for a seed)."""
    rng = random.Random(seed)
    out = LabelledSet()
    people = [make_person(rng) for _ in range(n_list)]
    nat = {i: rng.choice(["LBY", "LBY", "TUN", "DZA"]) for i in range(n_list)}
    for i, p in enumerate(people):
        out.people[f"G{i}"] = p
        conv = rng.choices(["en", "fr", "ly", "ar"], weights=[4, 3, 1, 2])[0]
        names = [render(p, conv, rng)]
        if rng.random() < 0.4:
            names.append(render(p, "ar" if conv != "ar" else "en", rng))
        out.entries.append(
            LookoutEntry(
                id=f"G{i}",
                names=tuple(names),
                dob=_dob(rng, p.dob),
                nationality=(nat[i],) if rng.random() < 0.8 else (),
                category="wanted",
            )
        )
        out.passages.append(
            (
                Passage(
                    id=f"g{i}",
                    names=[_passage_name(rng, p)],
                    dob=p.dob,
                    nationality=nat[i] if rng.random() < 0.7 else None,
                ),
                f"G{i}",
                "generated",
            )
        )
    for g, group in enumerate(REAL_WORLD):
        dob = make_person(rng).dob
        out.entries.append(LookoutEntry(id=f"R{g}", names=(group[0],), dob=_dob(rng, dob)))
        for k, variant in enumerate(group[1:]):
            out.passages.append(
                (Passage(id=f"r{g}.{k}", names=[variant], dob=dob), f"R{g}", "real")
            )
    for j in range(n_innocent):
        p = make_person(rng)
        out.people[f"i{j}"] = p
        out.passages.append(
            (Passage(id=f"i{j}", names=[_passage_name(rng, p)], dob=p.dob), None, "innocent")
        )
    for j in range(n_lookalike):
        src = rng.choice(people)
        other = make_person(rng)
        if rng.random() < 0.5:  # the listed person's given names, another family
            p = Person(src.given, src.father, None, other.family, other.dob)
        else:  # the listed family, other given names
            p = Person(other.given, other.father, None, src.family, other.dob)
        out.people[f"l{j}"] = p
        out.passages.append(
            (Passage(id=f"l{j}", names=[_passage_name(rng, p)], dob=p.dob), None, "lookalike")
        )
    return out


def homonyms(data: LabelledSet) -> set[str]:
    """Innocents who have the given and family names of a listed person (as phonemes: the
    same name, however written). No name matcher can tell them apart; only a date of birth
    can, and 10 % of the entries have none."""
    listed = {(p.given, p.family) for k, p in data.people.items() if k.startswith("G")}
    people = data.people.items()
    return {k for k, p in people if not k.startswith("G") and (p.given, p.family) in listed}


def _score(found: dict[str, set[str]], data: LabelledSet) -> dict[str, Any]:
    kinds: dict[str, list[int]] = {}
    same_name = homonyms(data)
    for passage, truth, kind in data.passages:
        got = found.get(passage.id, set())
        ok = (truth in got) if truth is not None else bool(got)
        kinds.setdefault(kind, [0, 0])
        kinds[kind][0] += int(ok)
        kinds[kind][1] += 1
        if truth is None and passage.id not in same_name:
            kinds.setdefault("not_homonym", [0, 0])
            kinds["not_homonym"][0] += int(ok)
            kinds["not_homonym"][1] += 1
    pos = [kinds[k] for k in ("generated", "real")]
    neg = [kinds[k] for k in ("innocent", "lookalike")]
    return {
        "recall": round(sum(a for a, _ in pos) / sum(n for _, n in pos), 4),
        "recall_generated": round(kinds["generated"][0] / kinds["generated"][1], 4),
        "recall_real_world": round(kinds["real"][0] / kinds["real"][1], 4),
        "flagged_innocent": round(sum(a for a, _ in neg) / sum(n for _, n in neg), 5),
        "flagged_innocent_not_homonym": round(kinds["not_homonym"][0] / kinds["not_homonym"][1], 5),
        "flagged_random": round(kinds["innocent"][0] / kinds["innocent"][1], 5),
        "flagged_lookalike": round(kinds["lookalike"][0] / kinds["lookalike"][1], 5),
    }


def _ours(data: LabelledSet, names_only: bool) -> dict[str, set[str]]:
    screener = Screener([LoadedList(name="bench", entries=tuple(data.entries))], on=TODAY)
    found: dict[str, set[str]] = {}
    for passage, _, _ in data.passages:
        p = Passage(id=passage.id, names=passage.names) if names_only else passage
        found[passage.id] = {h.entry for h in screener.screen(p)}
    return found


def _norm(name: str) -> str:
    return " ".join(to_latin(name).split())


def _exact(data: LabelledSet) -> dict[str, set[str]]:
    index: dict[tuple[str, ...], set[str]] = {}
    for e in data.entries:
        for n in e.names:
            index.setdefault(tuple(sorted(_norm(n).split())), set()).add(e.id)
    return {
        p.id: set().union(*(index.get(tuple(sorted(_norm(n).split())), set()) for n in p.names))
        for p, _, _ in data.passages
    }


def _jaro_winkler(data: LabelledSet) -> dict[str, set[str]]:
    names = [(e.id, _norm(n)) for e in data.entries for n in e.names]
    queries = [(p.id, _norm(n)) for p, _, _ in data.passages for n in p.names]
    scores = process.cdist(
        [q for _, q in queries],
        [n for _, n in names],
        scorer=JaroWinkler.normalized_similarity,
        score_cutoff=JW_THRESHOLD,
        workers=2,
    )
    found: dict[str, set[str]] = {}
    for qi, (pid, _) in enumerate(queries):
        found.setdefault(pid, set()).update(names[j][0] for j in scores[qi].nonzero()[0])
    return found


SEEDS = (17, 2026)  # the development seed, then the held-out one the bars are judged on


def run(quick: bool = False, seeds: tuple[int, ...] = SEEDS) -> list[dict[str, Any]]:
    """One line per seed (quick: the last only): ours beside the two baselines."""
    chosen = seeds[-1:] if quick else seeds
    return [_run(quick, seed, judged=seed == seeds[-1]) for seed in chosen]


def _run(quick: bool, seed: int, judged: bool) -> dict[str, Any]:
    """Ours (whole passage, names only) beside the two baselines, on one labelled set."""
    n_list, n_innocent, n_lookalike = (300, 2_000, 300) if quick else (2_000, 20_000, 2_000)
    judge = judged and not quick
    data = build_set(seed, n_list, n_innocent, n_lookalike)
    t = time.perf_counter()
    ours = _score(_ours(data, names_only=False), data)
    seconds = time.perf_counter() - t
    rows = {
        "ours": ours,
        "ours_names_only": _score(_ours(data, names_only=True), data),
        "exact_normalised": _score(_exact(data), data),
        f"jaro_winkler_{JW_THRESHOLD}": _score(_jaro_winkler(data), data),
    }
    result: dict[str, Any] = {
        "benchmark": "checkpoint_names",
        "seed": seed,
        "seed_role": "held out: bars judged" if judged else "development: constants set here",
        "entries": len(data.entries),
        "positives": sum(1 for _, t, _ in data.passages if t is not None),
        "innocents": sum(1 for _, t, _ in data.passages if t is None),
        "innocents_homonym_of_a_listed_person": len(homonyms(data)),
        "seconds_ours": round(seconds, 2),
        "methods": rows,
        "ratios_recall_vs_ours": {
            k: round(v["recall"] / ours["recall"], 3) for k, v in rows.items() if k != "ours"
        },
        "bars": {
            f"recall>={RECALL_BAR}": ours["recall"] >= RECALL_BAR if judge else None,
            f"flagged<={FLAGGED_BAR}": ours["flagged_innocent"] <= FLAGGED_BAR if judge else None,
        },
    }
    return result
