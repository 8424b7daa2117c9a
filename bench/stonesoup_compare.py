"""Benchmark (issue 3, bar 1): our tracker against Stone Soup and the oracle on the radar anchor.

For each N (10, 100, 500 targets; seed 1, clutter 20, 300 scans) the anchor scenario
(`bench.anchor`) is tracked three ways in one process:

- Stone Soup 1.9's EKF + GNN with k-d tree pre-gating, built exactly as the shared anchor's
  ``build_stonesoup(cfg, "gnn_kdtree")``;
- the oracle: an EKF per target told which detection is whose (`bench.anchor.oracle_estimates`);
- ours: `borderwatch.fusion.Tracker` with its default `TrackerConfig`.

Each is scored with GOSPA (p 2, c 100 m, alpha 2, positions) per scan, averaged over all scans,
plus identity switches and distinct track ids. Time per scan is the tracker's own work only:
Stone Soup's ``update_tracker``, our ``process`` + ``estimates`` (building the inputs is not
timed for either). The calibration workload runs before and after; its best time is reported so
figures from different machines can be compared as ratios.

Bars, per N: our GOSPA <= 1.03 x the oracle's, our GOSPA < Stone Soup's, Stone Soup's time per
scan >= 50 x ours. A bar that cannot be judged is None: with ``--quick`` (N 10 and 100, 60
scans: checks it runs), or when Stone Soup ran out of its time budget (``--ss-budget``; its
numbers are then null).

    python -m bench.stonesoup_compare                  # full: N = 10, 100, 500
    python -m bench.stonesoup_compare --quick
    python -m bench.stonesoup_compare --n 500 --ss-budget 120
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bench.anchor import (
    FloatArray,
    Scan,
    ScanEstimate,
    Scenario,
    ScenarioConfig,
    generate_scenario,
    oracle_estimates,
    score,
)
from bench.calibration import calibrate_ms

__all__ = [
    "TrackerMissingError",
    "azimuth_from_bearing",
    "build_stonesoup",
    "compare",
    "main",
    "run",
    "run_ours",
    "run_stonesoup",
    "tracker_available",
]

SIZES = (10, 100, 500)
QUICK_SIZES = (10, 100)
QUICK_SCANS = 60
ORACLE_FACTOR = 1.03
SPEEDUP_BAR = 50.0
BAR_ORACLE = f"gospa <= {ORACLE_FACTOR:g} x oracle"
BAR_STONESOUP = "gospa < stonesoup"
BAR_SPEEDUP = f"speed-up >= {SPEEDUP_BAR:g}"


@dataclass(frozen=True)
class TrackerRun:
    """One tracker over one scenario: its estimates per scan, the seconds each scan took,
    and whether it stopped early (out of budget)."""

    estimates: list[ScanEstimate]
    seconds: list[float]
    aborted: bool = False

    @property
    def ms_per_scan(self) -> float:
        """Mean time per scan (ms)."""
        return 1e3 * float(np.mean(self.seconds)) if self.seconds else math.nan


# -- Stone Soup ------------------------------------------------------------------------------


def build_stonesoup(
    cfg: ScenarioConfig,
    tracker_q: float = 0.05,
    kd_max: float = 200.0,
    gate: float = 3.0,
    vel_std: float = 12.0,
    min_points: int = 3,
    tent_miss: int = 2,
    conf_miss: int = 5,
) -> tuple[Any, Any]:
    """Stone Soup's EKF + GNN tracker with k-d tree pre-gating and its measurement model, as
    the shared anchor's ``build_stonesoup(cfg, "gnn_kdtree")``: CV model (q 0.05), Mahalanobis
    gate 3, k-d tree radius 200 in (bearing rad, range m), 3-point initiator, tentative
    tracks deleted after 2 missed updates and confirmed ones after 5."""
    from stonesoup.dataassociator.tree import DetectionKDTreeGNN2D
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.nonlinear import CartesianToBearingRange
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.array import StateVector
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    sb = math.radians(cfg.sigma_bearing_deg)
    mm = CartesianToBearingRange(
        ndim_state=4,
        mapping=(0, 2),
        noise_covar=np.diag([sb**2, cfg.sigma_range**2]),
        translation_offset=StateVector(list(cfg.radar_xy)),
    )
    tm = CombinedLinearGaussianTransitionModel([ConstantVelocity(tracker_q)] * 2)
    predictor = ExtendedKalmanPredictor(tm)
    updater = ExtendedKalmanUpdater(mm)
    hypothesiser = DistanceHypothesiser(
        predictor, updater, measure=Mahalanobis(), missed_distance=gate
    )

    def gnn() -> Any:
        return DetectionKDTreeGNN2D(
            hypothesiser=hypothesiser, predictor=predictor, updater=updater, max_distance=kd_max
        )

    initiator = MultiMeasurementInitiator(
        prior_state=GaussianState(
            StateVector([0, 0, 0, 0]), np.diag([0, vel_std**2, 0, vel_std**2])
        ),
        measurement_model=mm,
        deleter=UpdateTimeStepsDeleter(tent_miss),
        data_associator=gnn(),
        updater=updater,
        min_points=min_points,
    )
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(conf_miss),
        detector=None,
        data_associator=gnn(),
        updater=updater,
    )
    return tracker, mm


def run_stonesoup(scn: Scenario, budget_s: float | None = None) -> TrackerRun:
    """Stone Soup over the scenario; stops early once its tracker time passes `budget_s`.
    Reported at each scan: the tracks updated or predicted to that scan's time."""
    from stonesoup.types.angle import Bearing
    from stonesoup.types.array import StateVector
    from stonesoup.types.detection import Detection

    cfg = scn.cfg
    tracker, mm = build_stonesoup(cfg)
    t0 = datetime(2025, 1, 1)
    estimates: list[ScanEstimate] = []
    seconds: list[float] = []
    for k, s in enumerate(scn.scans):
        ts = t0 + timedelta(seconds=k * cfg.dt)
        dets = {
            Detection(
                StateVector([Bearing(b), r]),
                timestamp=ts,
                measurement_model=mm,
                metadata={"truth_id": int(i)},
            )
            for b, r, i in zip(s.bearing_rad, s.range_m, s.truth_id, strict=True)
        }
        a = time.perf_counter()
        _, tracks = tracker.update_tracker(ts, dets)
        seconds.append(time.perf_counter() - a)
        estimates.append(
            ScanEstimate.of(
                [
                    (str(tr.id), float(tr.state_vector[0, 0]), float(tr.state_vector[2, 0]))
                    for tr in tracks
                    if tr.state.timestamp == ts
                ]
            )
        )
        if budget_s is not None and sum(seconds) > budget_s:
            return TrackerRun(estimates, seconds, aborted=True)
    return TrackerRun(estimates, seconds)


# -- ours ------------------------------------------------------------------------------------


class TrackerMissingError(RuntimeError):
    """Our tracker cannot be imported (`borderwatch.fusion` not there yet, or broken)."""


def _tracker_api() -> tuple[Any, Any, Any]:
    """`Tracker`, `TrackerConfig`, `RadarBatch` from `borderwatch.fusion`, or a clear error."""
    try:
        from borderwatch.fusion import RadarBatch, Tracker, TrackerConfig
    except ImportError as exc:
        raise TrackerMissingError(
            "our tracker (borderwatch.fusion: Tracker, TrackerConfig, RadarBatch) cannot be "
            f"imported ({exc}); run with --without-ours to measure Stone Soup and the oracle only"
        ) from exc
    return Tracker, TrackerConfig, RadarBatch


def tracker_available() -> bool:
    """Whether our tracker can be imported."""
    try:
        _tracker_api()
    except TrackerMissingError:
        return False
    return True


def azimuth_from_bearing(bearing_rad: FloatArray) -> FloatArray:
    """The anchor's maths bearing (counter-clockwise from +x) as an azimuth clockwise from
    grid north (+y), in [0, 2 pi)."""
    out: FloatArray = np.mod(np.pi / 2 - bearing_rad, 2 * np.pi)
    out[out >= 2 * np.pi] = 0.0  # mod of a tiny negative rounds up to 2 pi
    return out


def _batch(radar_batch: Any, cfg: ScenarioConfig, k: int, s: Scan) -> Any:
    """One scan as our `RadarBatch`."""
    return radar_batch(
        time_s=k * cfg.dt,
        sensor_x=cfg.radar_xy[0],
        sensor_y=cfg.radar_xy[1],
        azimuth_rad=azimuth_from_bearing(s.bearing_rad),
        range_m=s.range_m,
        sigma_azimuth_rad=math.radians(cfg.sigma_bearing_deg),
        sigma_range_m=cfg.sigma_range,
        # The radar's own figures, as the engine's sensor registry gives them (a radar's
        # clutter per scan over its area, `geo.registry`): its Pd and clutter density.
        pd=cfg.pd,
        clutter_per_m2=cfg.clutter_rate / _area_m2(cfg),
    )


def _area_m2(cfg: ScenarioConfig) -> float:
    """The scenario's area (m^2), over which its clutter is uniform."""
    return (cfg.area_x[1] - cfg.area_x[0]) * (cfg.area_y[1] - cfg.area_y[0])


def run_ours(scn: Scenario, config: Any = None) -> TrackerRun:
    """Our tracker over the scenario (`config`: a `TrackerConfig`, default the default one);
    timed: ``process`` + ``estimates``."""
    tracker_cls, config_cls, radar_batch = _tracker_api()
    trk = tracker_cls(config if config is not None else config_cls())
    batches = [_batch(radar_batch, scn.cfg, k, s) for k, s in enumerate(scn.scans)]
    estimates: list[ScanEstimate] = []
    seconds: list[float] = []
    for batch in batches:
        a = time.perf_counter()
        trk.process(batch)
        ids, xy = trk.estimates()
        seconds.append(time.perf_counter() - a)
        estimates.append(ScanEstimate(np.asarray(ids).tolist(), np.array(xy, np.float64)))
    return TrackerRun(estimates, seconds)


# -- the comparison --------------------------------------------------------------------------


def _r(v: float | None, nd: int = 3) -> float | None:
    """Rounded for the report; None and NaN as null."""
    return None if v is None or math.isnan(v) else round(v, nd)


def _stonesoup_version() -> str | None:
    try:
        import stonesoup
    except ImportError:
        return None
    return str(stonesoup.__version__)


def compare(
    n: int,
    seed: int = 1,
    scans: int = 300,
    clutter: float = 20.0,
    ss_budget_s: float | None = None,
    ours: bool = True,
    judge: bool = True,
) -> dict[str, Any]:
    """One row: the three trackers on one scenario, scored and timed (see the module doc)."""
    cfg = ScenarioConfig(n_targets=n, seed=seed, n_scans=scans, clutter_rate=clutter)
    scn = generate_scenario(cfg)
    calib = [calibrate_ms()]
    oracle = score(scn.truth, oracle_estimates(scn))
    mine = run_ours(scn) if ours else None
    ours_score = score(scn.truth, mine.estimates) if mine else None
    gc.collect()
    ss = run_stonesoup(scn, ss_budget_s)
    ss_done = not ss.aborted
    ss_score = score(scn.truth, ss.estimates) if ss_done else None
    ss_scans, ss_so_far = len(ss.seconds), ss.ms_per_scan
    del ss
    gc.collect()
    calib.append(calibrate_ms())

    def get(res: dict[str, Any] | None, key: str) -> Any:
        return None if res is None else res[key]

    g_oracle = oracle["gospa_mean"]
    g_ours, g_ss = get(ours_score, "gospa_mean"), get(ss_score, "gospa_mean")
    ms_ours = mine.ms_per_scan if mine else None
    ms_ss = ss_so_far if ss_done else None
    r_oracle = g_ours / g_oracle if g_ours is not None else None
    r_ss = g_ours / g_ss if g_ours is not None and g_ss is not None else None
    speedup = ms_ss / ms_ours if ms_ss is not None and ms_ours else None

    def bar(ok: bool | None) -> bool | None:
        return ok if judge else None

    return {
        "bench": "stonesoup_compare",
        "n": n,
        "seed": seed,
        "scans": scans,
        "clutter": clutter,
        "gospa_mean_oracle": _r(g_oracle),
        "gospa_mean_stonesoup": _r(g_ss),
        "gospa_mean_ours": _r(g_ours),
        "ms_per_scan_stonesoup": _r(ms_ss),
        "ms_per_scan_ours": _r(ms_ours),
        "gospa_ours_over_oracle": _r(r_oracle, 4),
        "gospa_ours_over_stonesoup": _r(r_ss, 4),
        "speedup_stonesoup_over_ours": _r(speedup, 1),
        "id_switches_stonesoup": get(ss_score, "id_switches"),
        "id_switches_ours": get(ours_score, "id_switches"),
        "unique_ids_stonesoup": get(ss_score, "unique_track_ids"),
        "unique_ids_ours": get(ours_score, "unique_track_ids"),
        "missed_mean_steady_stonesoup": _r(get(ss_score, "missed_mean_steady")),
        "missed_mean_steady_ours": _r(get(ours_score, "missed_mean_steady")),
        "false_mean_steady_stonesoup": _r(get(ss_score, "false_mean_steady")),
        "false_mean_steady_ours": _r(get(ours_score, "false_mean_steady")),
        "stonesoup": {
            "variant": "gnn_kdtree",
            "version": _stonesoup_version(),
            "budget_s": ss_budget_s,
            "aborted_after_scans": None if ss_done else ss_scans,
            "ms_per_scan_before_abort": None if ss_done else _r(ss_so_far),
        },
        "calibration_ms": round(min(calib), 1),
        "calibration_ms_before_after": [round(c, 1) for c in calib],
        "bars": {
            BAR_ORACLE: bar(r_oracle <= ORACLE_FACTOR) if r_oracle is not None else None,
            BAR_STONESOUP: bar(g_ours < g_ss) if r_ss is not None else None,
            BAR_SPEEDUP: bar(speedup >= SPEEDUP_BAR) if speedup is not None else None,
        },
    }


def _plan(quick: bool, sizes: Sequence[int] | None, scans: int | None) -> tuple[Sequence[int], int]:
    """The sizes and scan count to run: the full set, or the quick one."""
    return sizes or (QUICK_SIZES if quick else SIZES), scans or (QUICK_SCANS if quick else 300)


def run(
    quick: bool = False,
    seed: int = 1,
    sizes: Sequence[int] | None = None,
    scans: int | None = None,
    clutter: float = 20.0,
    ss_budget_s: float | None = None,
    ours: bool = True,
) -> list[dict[str, Any]]:
    """One row per N; ``quick``: N 10 and 100 over 60 scans, bars not judged."""
    if ours:
        _tracker_api()  # fail before minutes of Stone Soup, not after
    sizes, scans = _plan(quick, sizes, scans)
    return [compare(n, seed, scans, clutter, ss_budget_s, ours, judge=not quick) for n in sizes]


def main(argv: Sequence[str] | None = None) -> int:
    """Print one JSON row per N; exit 1 if any bar fails."""
    p = argparse.ArgumentParser(
        prog="python -m bench.stonesoup_compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--n", type=int, action="append", help="targets (repeat; default 10 100 500)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scans", type=int, help="default 300 (60 with --quick)")
    p.add_argument("--clutter", type=float, default=20.0, help="mean false alarms per scan")
    p.add_argument("--quick", action="store_true", help="N 10 and 100, 60 scans, bars not judged")
    p.add_argument(
        "--ss-budget",
        type=float,
        metavar="S",
        help="stop Stone Soup after S s of tracker time on one N (its figures are then null)",
    )
    p.add_argument("--without-ours", action="store_true", help="only Stone Soup and the oracle")
    a = p.parse_args(argv)
    ours = not a.without_ours
    if ours:
        try:
            _tracker_api()
        except TrackerMissingError as exc:
            print(f"stonesoup_compare: {exc}", file=sys.stderr)
            return 2
    sizes, scans = _plan(a.quick, a.n, a.scans)
    failed = False
    for n in sizes:  # a row as soon as it is measured
        r = compare(n, a.seed, scans, a.clutter, a.ss_budget, ours, judge=not a.quick)
        print(json.dumps(r), flush=True)
        failed |= any(v is False for v in r["bars"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
