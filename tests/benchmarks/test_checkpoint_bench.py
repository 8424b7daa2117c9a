"""The checkpoint benchmarks run (small sizes) and their labelled data is what it says."""

from __future__ import annotations

import random

from bench.__main__ import BENCHMARKS
from bench.checkpoint_data import REAL_WORLD, make_person, render
from bench.checkpoint_names import build_set, run
from borderwatch.ops.checkpoints.names import has_arabic


def test_renderings_by_convention() -> None:
    rng = random.Random(3)
    person = make_person(rng)
    assert has_arabic(render(person, "ar", rng))
    for conv in ("fr", "en", "ly"):
        text = render(person, conv, rng, upper=True)
        assert not has_arabic(text)
        assert text == text.upper()


def test_labelled_set_shape() -> None:
    data = build_set(5, n_list=50, n_innocent=100, n_lookalike=20)
    assert len(data.entries) == 50 + len(REAL_WORLD)
    kinds = [k for _, _, k in data.passages]
    assert kinds.count("generated") == 50
    assert kinds.count("real") == sum(len(g) - 1 for g in REAL_WORLD)
    assert kinds.count("innocent") == 100
    assert kinds.count("lookalike") == 20
    assert all(t is None for _, t, k in data.passages if k in ("innocent", "lookalike"))
    # A document gives every passage its nationality and sex; the old fields are kept beside,
    # and the names and dates are the same in both.
    documented = [p for p, _, k in data.passages if k != "real"]
    assert all(p.nationality and p.sex in ("M", "F") for p in documented)
    assert not any(data.before[p.id].nationality for p, t, _ in data.passages if t is None)
    assert all(data.before[p.id].names == p.names for p, _, _ in data.passages)
    assert [e.names for e in data.entries] == [e.names for e in data.entries_before]
    assert any(e.sex for e in data.entries)
    assert not any(e.sex for e in data.entries_before)


def test_names_benchmark_quick() -> None:
    [result] = run(quick=True)
    assert "checkpoint_names" in BENCHMARKS
    methods = result["methods"]
    assert set(methods) == {
        "ours",
        "ours_fields_before",
        "ours_names_only",
        "exact_normalised",
        "jaro_winkler_0.9",
    }
    # Not the bar (that is judged at full size), but the matcher must beat both baselines.
    assert methods["ours"]["recall"] > methods["jaro_winkler_0.9"]["recall"]
    assert methods["ours"]["recall"] > methods["exact_normalised"]["recall"]
    assert methods["ours"]["recall_real_world"] >= 0.9


def test_mrz_benchmark_quick() -> None:
    from bench.checkpoint_mrz import run as run_mrz

    [result] = run_mrz(quick=True)
    assert "checkpoint_mrz" in BENCHMARKS
    assert all(result["bars"].values()), result


def test_speed_benchmark_quick() -> None:
    from bench.checkpoint_speed import run as run_speed

    [result] = run_speed(quick=True)
    assert "checkpoint_speed" in BENCHMARKS
    assert result["entries"] == 20_000
    assert result["names_indexed"] > result["entries"]  # aliases filed too
    assert result["passages_with_hits"] > 0
    assert 0 < result["p50_ms"] <= result["p99_ms"]
