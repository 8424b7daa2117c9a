"""Benchmark (issue 14, bar 4): the radar anchor swept over targets x clutter x seeds.

Each cell (N targets, clutter per scan, seed; 300 scans) is tracked three ways in one process,
as `bench.stonesoup_compare` does for one cell: ours (`borderwatch.fusion.Tracker`, default
`TrackerConfig`), the oracle (told which detection is whose) and Stone Soup's EKF + GNN
(k-d tree). One JSON line per cell, then one summary line.

Per cell and tracker: mean GOSPA (p 2, c 100 m, alpha 2), ours / oracle, identity switches
(on GOSPA's assignment), distinct track ids, and two measures of false tracks:

- ``false_per_scan``: track-scans GOSPA's assignment leaves without a truth, mean per scan
  over scans 10 on (a track farther than c = 100 m from every free truth counts as false);
- ``ids_never_matched``: track ids that GOSPA never assigned to a truth on any scan (tracks
  of clutter alone).

And ``missed_per_scan`` (truths left without a track, scans 10 on) and ms per scan (the
tracker's own work). Stone Soup is slow at large N and dense clutter: ``--ss-budget S`` stops
it after S s of tracker time in a cell (its figures are then null and the cell says after how
many scans), ``--ss-max-n`` skips it above that N; the summary lists the cells skipped.

Bar: in every cell, our mean GOSPA <= 1.03 x the oracle's (judged on the full grid only).

    python -m bench.anchor_sweep                  # N 50 100 300 500 x clutter 20 40 60 x seeds 1 2
    python -m bench.anchor_sweep --ss-budget 120
    python -m bench.anchor_sweep --n 50 --clutter 60 --seed 1 --without-stonesoup
    python -m bench anchor_sweep --quick          # tiny grid: checks it runs
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

from bench.anchor import ScenarioConfig, generate_scenario, oracle_estimates, score_ids
from bench.stonesoup_compare import _tracker_api, run_ours, run_stonesoup

__all__ = ["CLUTTERS", "SEEDS", "SIZES", "cell", "cells", "main", "run", "summary"]

SIZES = (50, 100, 300, 500)
CLUTTERS = (20.0, 40.0, 60.0)
SEEDS = (1, 2)
SCANS = 300
# --quick: a tiny grid that checks the sweep runs end to end (bar not judged).
QUICK_SIZES, QUICK_CLUTTERS, QUICK_SEEDS, QUICK_SCANS = (6,), (5.0, 15.0), (1,), 40
ORACLE_FACTOR = 1.03
BAR = f"gospa <= {ORACLE_FACTOR:g} x oracle in every cell"


def _r(v: float | None, nd: int = 3) -> float | None:
    return None if v is None else round(v, nd)


def _figures(scored: tuple[dict[str, Any], int], ms: float | None) -> dict[str, Any]:
    """One tracker's figures in a cell, from `score_ids`."""
    s, never = scored
    return {
        "gospa": _r(s["gospa_mean"]),
        "id_switches": s["id_switches"],
        "distinct_ids": s["unique_track_ids"],
        "ids_never_matched": never,
        "false_per_scan": _r(s["false_mean_steady"]),
        "missed_per_scan": _r(s["missed_mean_steady"]),
        "ms_per_scan": _r(ms),
    }


def cell(
    n: int,
    clutter: float,
    seed: int,
    scans: int = SCANS,
    ss_budget_s: float | None = None,
    stonesoup: bool = True,
    config: Any = None,
) -> dict[str, Any]:
    """One cell of the grid: ours, the oracle and (unless `stonesoup` is False) Stone Soup.
    `config`: our `TrackerConfig` (default: the default one)."""
    scn = generate_scenario(
        ScenarioConfig(n_targets=n, seed=seed, n_scans=scans, clutter_rate=clutter)
    )
    oracle = score_ids(scn.truth, oracle_estimates(scn))
    mine = run_ours(scn, config)
    ours = score_ids(scn.truth, mine.estimates)
    ss_fig: dict[str, Any] | None = None
    ss_note: dict[str, Any] = {"run": stonesoup, "budget_s": ss_budget_s}
    if stonesoup:
        gc.collect()
        ss = run_stonesoup(scn, ss_budget_s)
        if ss.aborted:
            ss_note["aborted_after_scans"] = len(ss.seconds)
            ss_note["ms_per_scan_before_abort"] = _r(ss.ms_per_scan)
        else:
            ss_fig = _figures(score_ids(scn.truth, ss.estimates), ss.ms_per_scan)
        del ss
        gc.collect()
    ratio = ours[0]["gospa_mean"] / oracle[0]["gospa_mean"]
    ss_ratio = ss_fig["gospa"] / oracle[0]["gospa_mean"] if ss_fig else None
    return {
        "bench": "anchor_sweep",
        "n": n,
        "clutter": clutter,
        "seed": seed,
        "scans": scans,
        "ours": _figures(ours, mine.ms_per_scan),
        "oracle": _figures(oracle, None),
        "stonesoup": ss_fig,
        "stonesoup_run": ss_note,
        "ours_over_oracle": _r(ratio, 4),
        "stonesoup_over_oracle": _r(ss_ratio, 4),
        "bars": {},
    }


def summary(rows: Sequence[dict[str, Any]], judge: bool) -> dict[str, Any]:
    """The worst cell, the mean ratio per (N, clutter) over seeds, the cells Stone Soup
    skipped, and the bar (None when not `judge`d: a partial or quick grid)."""
    worst = max(rows, key=lambda r: r["ours_over_oracle"])
    by_cell: dict[str, list[float]] = {}
    for r in rows:
        by_cell.setdefault(f"{r['n']}x{r['clutter']:g}", []).append(r["ours_over_oracle"])
    skipped = [
        {"n": r["n"], "clutter": r["clutter"], "seed": r["seed"], **r["stonesoup_run"]}
        for r in rows
        if r["stonesoup"] is None
    ]
    ok = all(r["ours_over_oracle"] <= ORACLE_FACTOR for r in rows)
    return {
        "bench": "anchor_sweep",
        "summary": True,
        "cells": len(rows),
        "worst": {k: worst[k] for k in ("n", "clutter", "seed", "ours_over_oracle")},
        "mean_ratio_over_seeds": {k: round(sum(v) / len(v), 4) for k, v in by_cell.items()},
        "stonesoup_skipped": skipped,
        "bars": {BAR: ok if judge else None},
    }


def cells(
    sizes: Sequence[int],
    clutters: Sequence[float],
    seeds: Sequence[int],
    scans: int = SCANS,
    ss_budget_s: float | None = None,
    ss_max_n: int | None = None,
    stonesoup: bool = True,
    config: Any = None,
) -> Iterator[dict[str, Any]]:
    """The grid's cells one by one, in N, clutter, seed order (a row as soon as measured)."""
    _tracker_api()  # fail before minutes of work, not after
    for n, c, s in itertools.product(sizes, clutters, seeds):
        run_ss = stonesoup and (ss_max_n is None or n <= ss_max_n)
        yield cell(n, c, s, scans, ss_budget_s, run_ss, config)


def run(quick: bool = False, ss_budget_s: float | None = None) -> list[dict[str, Any]]:
    """The grid (``quick``: a tiny one, bar not judged) and its summary, as rows."""
    if quick:
        grid = cells(QUICK_SIZES, QUICK_CLUTTERS, QUICK_SEEDS, QUICK_SCANS)
    else:
        grid = cells(SIZES, CLUTTERS, SEEDS, SCANS, ss_budget_s)
    rows = list(grid)
    return [*rows, summary(rows, judge=not quick)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print one JSON line per cell and a summary; exit 1 if the bar fails."""
    p = argparse.ArgumentParser(
        prog="python -m bench.anchor_sweep",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--n", type=int, action="append", help="targets (repeat; default 50 100 300 500)"
    )
    p.add_argument("--clutter", type=float, action="append", help="per scan (default 20 40 60)")
    p.add_argument("--seed", type=int, action="append", help="(repeat; default 1 2)")
    p.add_argument("--scans", type=int, default=SCANS)
    p.add_argument("--ss-budget", type=float, metavar="S", help="Stone Soup's seconds per cell")
    p.add_argument("--ss-max-n", type=int, metavar="N", help="no Stone Soup above N targets")
    p.add_argument("--without-stonesoup", action="store_true")
    a = p.parse_args(argv)
    full = a.n is None and a.clutter is None and a.seed is None and a.scans == SCANS
    t0 = time.perf_counter()
    rows = []
    for r in cells(
        a.n or SIZES,
        a.clutter or CLUTTERS,
        a.seed or SEEDS,
        a.scans,
        a.ss_budget,
        a.ss_max_n,
        not a.without_stonesoup,
    ):
        print(json.dumps(r), flush=True)
        rows.append(r)
    s = summary(rows, judge=full)
    s["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(s), flush=True)
    return 1 if s["bars"][BAR] is False else 0


if __name__ == "__main__":
    sys.exit(main())
