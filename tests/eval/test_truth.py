"""truth.jsonl loads into arrays; positions interpolate along the knots, NaN outside a life."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.errors import DataError
from borderwatch.eval import load_truth

from .rundir import START, Run

S = 1_000_000_000


def test_loads_everything(run: Run) -> None:
    run.mover("M2", [(0, 0.0, 0.0), (10, 10.0, 0.0)], group="G1")
    run.mover("M1", [(5, 0.0, 0.0), (15, 0.0, 20.0)], group="G1", cls="vehicle", hostile=False)
    run.crossing("M1", 7.0, 0.0, 4.0, group="G1")
    run_dir, _ = run.write()
    extra = [
        {"type": "weather", "kind": "dust_storm", "start_ns": 1, "end_ns": 2,
         "severity": 0.5, "sectors": ["N01"]},
        {"type": "fault", "sensor_id": "R-1", "kind": "outage", "start_ns": 3, "end_ns": 4},
    ]  # fmt: skip
    with (run_dir / "truth.jsonl").open("a") as f:
        f.writelines(json.dumps(e) + "\n" for e in extra)
    truth = load_truth(run_dir / "truth.jsonl")
    mv = truth.movers
    assert mv.ids == ("M1", "M2")
    assert mv.groups == ("G1",)
    assert mv.cls.tolist() == ["vehicle", "person"]
    assert mv.hostile.tolist() == [False, True]
    assert truth.crossings.mover.tolist() == [0]
    assert truth.crossings.group.tolist() == [0]
    assert truth.weather[0].sectors == ("N01",)
    assert truth.faults[0].sensor_id == "R-1"


def test_positions_at(run: Run) -> None:
    run.mover("A", [(0, 0.0, 0.0), (10, 10.0, 0.0), (20, 10.0, 30.0)])
    run.mover("B", [(12, 5.0, 5.0)])  # exists for one instant
    run_dir, _ = run.write()
    truth = load_truth(run_dir / "truth.jsonl")
    t = START + np.array([-1, 0, 5, 10, 15, 20, 21, 12]) * S
    xy = truth.positions_at(t)
    nan = [np.nan, np.nan]
    expected_a = np.array([nan, [0, 0], [5, 0], [10, 0], [10, 15], [10, 30], nan, [10, 6]], float)
    np.testing.assert_allclose(xy[:, 0], expected_a)
    assert np.isnan(xy[:-1, 1]).all()
    np.testing.assert_allclose(xy[-1, 1], [5, 5])
    np.testing.assert_allclose(truth.positions_at(t, [1])[:, 0], xy[:, 1])


@settings(max_examples=40, deadline=None)
@given(
    lives=st.lists(
        st.lists(st.integers(0, 10_000), min_size=1, max_size=12, unique=True),
        min_size=1,
        max_size=6,
    ),
    queries=st.lists(st.integers(-100, 10_100), min_size=1, max_size=40),
)
def test_matches_per_mover_interp(
    tmp_path_factory: pytest.TempPathFactory, lives: list[list[int]], queries: list[int]
) -> None:
    run = Run(tmp_path_factory.mktemp("run") / "run")
    rng = np.random.default_rng(len(queries))
    paths = []
    for i, times in enumerate(lives):
        t = np.sort(np.asarray(times, float) / 10.0)  # seconds, 0.1 s steps
        x, y = rng.uniform(-1e4, 1e4, (2, t.size))
        paths.append((t, x, y))
        run.mover(f"M{i}", list(zip(t.tolist(), x.tolist(), y.tolist(), strict=True)))
    run_dir, _ = run.write()
    truth = load_truth(run_dir / "truth.jsonl")
    tq = np.sort(np.asarray(queries, float) / 10.0)
    t_ns = START + np.round(tq * S).astype(np.int64)
    got = truth.positions_at(t_ns)
    for m, (t, x, y) in enumerate(paths):
        alive = (tq >= t[0]) & (tq <= t[-1])
        want = np.c_[np.interp(tq, t, x), np.interp(tq, t, y)]
        np.testing.assert_allclose(got[alive, m], want[alive], atol=1e-6)
        assert np.isnan(got[~alive, m]).all()
    # The chunked path gives the same answer, whatever the block size.
    for chunk in truth.chunks(t_ns, budget=3):
        block = got[chunk.lo : chunk.hi][:, chunk.cols]
        np.testing.assert_array_equal(chunk.xy, block)
        others = np.setdiff1d(np.arange(len(paths)), chunk.cols)
        assert np.isnan(got[chunk.lo : chunk.hi][:, others]).all()


def test_rejects_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "truth.jsonl"
    path.write_text('{"type": "mover", "id": "M1"}\n')
    with pytest.raises(DataError, match=r"truth\.jsonl:1"):
        load_truth(path)

    def mover(id: str, t: list[int]) -> str:
        return json.dumps({"type": "mover", "id": id, "kind": "dog", "cls": "animal",
                           "hostile": False, "friendly": False, "group": "G", "t_ns": t,
                           "x": [0] * len(t), "y": [0] * len(t)}) + "\n"  # fmt: skip

    path.write_text(mover("M1", [5, 6]) + mover("M2", [1, 3, 3]))  # earlier than M1: fine
    assert load_truth(path).movers.first_ns.tolist() == [5, 1]
    path.write_text(mover("M1", [5, 6]) + mover("M2", [1, 3, 2]))
    with pytest.raises(DataError, match="M2 has knots out of time order"):
        load_truth(path)
