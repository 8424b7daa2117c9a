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
passage. Innocents who bear a listed person's very name (same given and family names as
phonemes, however written: `homonyms`, about 5 % of them, as in a real population where
Mohamed is common) can only be told apart by what else the document says, and 10 % of the
entries have no date of birth: the matcher weighs a name by how many people bear it against
the rest of the evidence (`screen._commonness`). The flagged share without the homonyms is
reported beside it.

What changed (issue 17, session 6): a passage now carries what a document always gives. Until
then only 70 % of the listed people's passages carried a nationality and no innocent's did (so
a nationality on a passage was itself a sign of a listed person), and nobody's sex was given.
Now every passage with a document behind it (all but the press's real-world variants) carries
its nationality and sex, as an MRZ does, and 70 % of the entries give a sex (OpenSanctions'
`gender` is on most people). An innocent's nationality is drawn as the listed people's are,
but one who bears a listed family name has that person's nationality half the time (families
are of a country more often than not), so nationality tells namesakes apart less than an
independent draw would. These fields come from a second generator: names, dates and the old
fields are exactly as before. The same run reports `ours_fields_before` (the passages and
entries with the old fields only, the figures as measured until now), names alone, and the
two baselines on names (they have no notion of a date of birth): exact match of the
ICU-normalised token sets, and Jaro-Winkler >= 0.9 on the normalised Latin letters of the
whole name.

Seeds: the matcher's constants were set on seed 17 (the development seed); the bars are
judged on seed 2026, which the constants never saw, with the old fields and the new. Seed to
seed, recall moves by about 0.003 (2,145 positives) and the flagged share by about 0.05
points (22,000 innocents): the full run also reports our two rows on five more seeds
(`SPREAD`, never tuned on), so a bar met by less than that is seen to be.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from typing import Any

import msgspec
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from bench.checkpoint_data import REAL_WORLD, Person, make_person, render, sex_of
from borderwatch.ops.checkpoints import LoadedList, LookoutEntry, Screener
from borderwatch.ops.checkpoints.names import to_latin
from borderwatch.ops.checkpoints.passages import Passage

__all__ = ["build_set", "run"]

RECALL_BAR = 0.98
FLAGGED_BAR = 0.005
JW_THRESHOLD = 0.9
LISTED_SEX = 0.7  # share of entries whose list gives the sex (OpenSanctions' gender: most)
TODAY = dt.date(2026, 12, 6)


@dataclass
class LabelledSet:
    """Entries, and passages each labelled with the entry it is (None: an innocent)."""

    entries: list[LookoutEntry] = field(default_factory=list)
    passages: list[tuple[Passage, str | None, str]] = field(default_factory=list)  # kind
    people: dict[str, Person] = field(default_factory=dict)  # by entry and passage id
    # The passages with the fields the set had before documents were read in full (names,
    # date of birth; nationality on 70 % of the listed people's passages, on no innocent's),
    # and the entries without sex: the figures before, reported beside.
    before: dict[str, Passage] = field(default_factory=dict)
    entries_before: list[LookoutEntry] = field(default_factory=list)


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


NATIONALITIES = ["LBY", "LBY", "TUN", "DZA"]


def build_set(seed: int, n_list: int, n_innocent: int, n_lookalike: int) -> LabelledSet:
    """The labelled set (deterministic for a seed). Names, dates of birth and the fields of
    `before` are drawn exactly as before documents were read in full; the document fields
    added since (every passage's nationality and sex, the entries' sex) come from a second
    generator, so they change nothing else."""
    rng = random.Random(seed)
    docs = random.Random(f"documents-{seed}")
    out = LabelledSet()
    people = [make_person(rng) for _ in range(n_list)]
    nat = {i: rng.choice(NATIONALITIES) for i in range(n_list)}
    nat_of_family: dict[str, str] = {}
    for i, p in enumerate(people):
        nat_of_family.setdefault(p.family, nat[i])
        out.people[f"G{i}"] = p
        conv = rng.choices(["en", "fr", "ly", "ar"], weights=[4, 3, 1, 2])[0]
        names = [render(p, conv, rng)]
        if rng.random() < 0.4:
            names.append(render(p, "ar" if conv != "ar" else "en", rng))
        entry = LookoutEntry(
            id=f"G{i}",
            names=tuple(names),
            dob=_dob(rng, p.dob),
            nationality=(nat[i],) if rng.random() < 0.8 else (),
            category="wanted",
        )
        out.entries_before.append(entry)
        sex = sex_of(p) if docs.random() < LISTED_SEX else None
        out.entries.append(msgspec.structs.replace(entry, sex=sex))
        before = Passage(
            id=f"g{i}",
            names=[_passage_name(rng, p)],
            dob=p.dob,
            nationality=nat[i] if rng.random() < 0.7 else None,
        )
        out.before[before.id] = before
        full = msgspec.structs.replace(before, nationality=nat[i], sex=sex_of(p))
        out.passages.append((full, f"G{i}", "generated"))
    for g, group in enumerate(REAL_WORLD):
        dob = make_person(rng).dob
        entry = LookoutEntry(id=f"R{g}", names=(group[0],), dob=_dob(rng, dob))
        out.entries.append(entry)
        out.entries_before.append(entry)
        for k, variant in enumerate(group[1:]):
            before = Passage(id=f"r{g}.{k}", names=[variant], dob=dob)
            out.before[before.id] = before
            out.passages.append((before, f"R{g}", "real"))  # no document behind these

    def innocent(pid: str, p: Person, kind: str) -> None:
        before = Passage(id=pid, names=[_passage_name(rng, p)], dob=p.dob)
        out.people[pid] = p
        out.before[pid] = before
        # Families are of a country more often than not: one who bears a listed family name
        # has that person's nationality half the time (nationality tells fewer namesakes
        # apart than an independent draw would).
        kin = nat_of_family.get(p.family)
        nationality = kin if kin and docs.random() < 0.5 else docs.choice(NATIONALITIES)
        full = msgspec.structs.replace(before, nationality=nationality, sex=sex_of(p))
        out.passages.append((full, None, kind))

    for j in range(n_innocent):
        innocent(f"i{j}", make_person(rng), "innocent")
    for j in range(n_lookalike):
        src = rng.choice(people)
        other = make_person(rng)
        if rng.random() < 0.5:  # the listed person's given names, another family
            p = Person(src.given, src.father, None, other.family, other.dob)
        else:  # the listed family, other given names
            p = Person(other.given, other.father, None, src.family, other.dob)
        innocent(f"l{j}", p, "lookalike")
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


def _ours(data: LabelledSet, fields: str) -> dict[str, set[str]]:
    """Our hits per passage, with the passage's `fields`: "document" (all), "before" (the
    old fields, entries without sex) or "names"."""
    entries = data.entries_before if fields == "before" else data.entries
    screener = Screener([LoadedList(name="bench", entries=tuple(entries))], on=TODAY)
    found: dict[str, set[str]] = {}
    for passage, _, _ in data.passages:
        p = {
            "document": passage,
            "before": data.before[passage.id],
            "names": Passage(id=passage.id, names=passage.names),
        }[fields]
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
SPREAD = (1, 2, 3, 99, 4242)  # never tuned on: how much a bar moves from seed to seed


def run(
    quick: bool = False, seeds: tuple[int, ...] = SEEDS, spread: tuple[int, ...] = SPREAD
) -> list[dict[str, Any]]:
    """One line per seed (quick: the last only): ours beside the two baselines; then (not
    quick) one line with our two rows on the `spread` seeds."""
    chosen = seeds[-1:] if quick else seeds
    out = [_run(quick, seed, judged=seed == seeds[-1]) for seed in chosen]
    if not quick and spread:
        out.append(_spread(spread))
    return out


def _spread(seeds: tuple[int, ...]) -> dict[str, Any]:
    """Ours (whole document, old fields) on more seeds, at full size: the seed-to-seed noise."""
    rows: dict[str, dict[str, Any]] = {}
    for seed in seeds:
        data = build_set(seed, 2_000, 20_000, 2_000)
        rows[str(seed)] = {
            name: {k: v for k, v in _score(_ours(data, fields), data).items() if k in _SPREAD}
            for name, fields in (("ours", "document"), ("ours_fields_before", "before"))
        }
    summary = {
        name: {
            k: [min(r[name][k] for r in rows.values()), max(r[name][k] for r in rows.values())]
            for k in _SPREAD
        }
        for name in ("ours", "ours_fields_before")
    }
    return {
        "benchmark": "checkpoint_names",
        "seeds": list(seeds),
        "seed_role": "spread: never tuned on, not judged",
        "min_max": summary,
        "by_seed": rows,
    }


_SPREAD = ("recall", "flagged_innocent", "flagged_innocent_not_homonym")


def _run(quick: bool, seed: int, judged: bool) -> dict[str, Any]:
    """Ours (whole passage, names only) beside the two baselines, on one labelled set."""
    n_list, n_innocent, n_lookalike = (300, 2_000, 300) if quick else (2_000, 20_000, 2_000)
    judge = judged and not quick
    data = build_set(seed, n_list, n_innocent, n_lookalike)
    t = time.perf_counter()
    ours = _score(_ours(data, "document"), data)
    seconds = time.perf_counter() - t
    before = _score(_ours(data, "before"), data)
    rows = {
        "ours": ours,
        "ours_fields_before": before,
        "ours_names_only": _score(_ours(data, "names"), data),
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
        # Not the bar: the same with the fields the set had before (see the docstring).
        "bars_fields_before": {
            f"recall>={RECALL_BAR}": before["recall"] >= RECALL_BAR if judge else None,
            f"flagged<={FLAGGED_BAR}": before["flagged_innocent"] <= FLAGGED_BAR if judge else None,
        },
    }
    return result
