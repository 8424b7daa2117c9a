r"""The radar anchor scenario, its scorer and its oracle, inside the project.

A re-implementation, to the letter, of the shared anchor programs (``anchors/radar_bench.py``
``generate_scenario``, ``score``, ``save_scenario``/``load_scenario`` and ``anchors/oracle.py``)
so the benchmark runs from a plain clone: the same seed gives the same numbers bit for bit
(same random streams drawn in the same order), and scenario directories written here or there
read in both.

The scenario: one ground radar at ``radar_xy`` scans once per ``dt`` seconds (Pd 0.9,
:math:`\sigma_r` 10 m, :math:`\sigma_b` 0.5°) over a 20 km × 10 km area holding N
nearly-constant-velocity targets (half walkers at ~1.5 m/s, half vehicles at ~15 m/s, all
present for every scan) plus Poisson clutter uniform over the area.

Conventions: Cartesian metres, x east, y north; state ``[x, vx, y, vy]`` (m, m/s);
``bearing_rad = atan2(y - y_radar, x - x_radar)``, the *maths* convention, counter-clockwise
from +x (east), wrapped by ``(a + pi) % 2 pi - pi`` -- Stone Soup's ``CartesianToBearingRange``,
not a compass bearing; ``range_m`` is the Euclidean distance to the radar; ``truth_id`` -1 marks
clutter. Scan k is at time ``k * dt`` s.

Scoring is GOSPA (:math:`p = 2`, :math:`c = 100` m, :math:`\alpha = 2`, positions only; see
`borderwatch.eval.gospa`) per scan, averaged over all scans, with identity switches counted on
the GOSPA assignment (a truth assigned to a different track id than at its last assignment).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from borderwatch.eval.gospa import gospa

__all__ = [
    "CONVENTIONS",
    "FloatArray",
    "IntArray",
    "Scan",
    "ScanEstimate",
    "Scenario",
    "ScenarioConfig",
    "cv_matrices",
    "generate_scenario",
    "load_scenario",
    "oracle_estimates",
    "read_tracks_csv",
    "save_scenario",
    "score",
    "score_ids",
    "wrap",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CONVENTIONS = (
    "Cartesian metres, x east, y north; state [x, vx, y, vy]; bearing_rad = atan2(y - y_radar, "
    "x - x_radar) (maths convention, counter-clockwise from +x, wrapped to [-pi, pi)) -- this "
    "is Stone Soup's CartesianToBearingRange convention, NOT a compass bearing; range_m = "
    "Euclidean distance to the radar; truth_id = -1 marks clutter. Scan k has time t = k * dt "
    "seconds.  All N targets exist for all scans (no births/deaths) and are detectable "
    "anywhere; clutter is uniform over the area."
)


@dataclass(frozen=True)
class ScenarioConfig:
    """The anchor scenario's parameters; field names are those of the shared meta.json."""

    n_targets: int = 10
    n_scans: int = 300
    dt: float = 1.0  # s between scans
    seed: int = 1
    area_x: tuple[float, float] = (0.0, 20000.0)  # m
    area_y: tuple[float, float] = (0.0, 10000.0)  # m
    radar_xy: tuple[float, float] = (10000.0, -2000.0)  # 2 km south of the area
    walker_fraction: float = 0.5
    walker_speed: tuple[float, float] = (1.5, 0.3)  # mean, std (m/s)
    vehicle_speed: tuple[float, float] = (15.0, 3.0)  # mean, std (m/s)
    q_walker: float = 0.005  # CV white-acceleration PSD per axis (m^2/s^3)
    q_vehicle: float = 0.05
    pd: float = 0.9
    sigma_range: float = 10.0  # m
    sigma_bearing_deg: float = 0.5
    clutter_rate: float = 20.0  # mean false alarms per scan (Poisson)


@dataclass(frozen=True)
class Scan:
    """One scan's detections, in random order: (D,) bearings (rad, maths convention), ranges
    (m) and the truth index each came from (-1: clutter)."""

    bearing_rad: FloatArray
    range_m: FloatArray
    truth_id: IntArray

    def __len__(self) -> int:
        return len(self.range_m)


@dataclass(frozen=True)
class Scenario:
    """Truth (K, N, 4) ``[x, vx, y, vy]`` per scan and target, class (N,) (0 walker,
    1 vehicle), and the K scans."""

    cfg: ScenarioConfig
    truth: FloatArray
    cls: IntArray
    scans: list[Scan] = field(repr=False)


def cv_matrices(q: float, dt: float) -> tuple[FloatArray, FloatArray]:
    r"""One axis of the constant-velocity model: :math:`F = [[1, dt], [0, 1]]`,
    :math:`Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]`."""
    F1 = np.array([[1.0, dt], [0.0, 1.0]])
    Q1 = q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
    return F1, Q1


def wrap(a: FloatArray) -> FloatArray:
    """Angles (rad) wrapped to [-pi, pi)."""
    out: FloatArray = (a + np.pi) % (2 * np.pi) - np.pi
    return out


def generate_scenario(cfg: ScenarioConfig) -> Scenario:
    """The scenario for `cfg`, deterministic in ``cfg.seed``; truth and detections draw from
    two independent streams spawned from it."""
    ss_truth, ss_det = np.random.SeedSequence(cfg.seed).spawn(2)
    rt, rd = np.random.default_rng(ss_truth), np.random.default_rng(ss_det)
    N, K = cfg.n_targets, cfg.n_scans
    cls = (rt.random(N) >= cfg.walker_fraction).astype(np.int64)
    x0 = rt.uniform(*cfg.area_x, N)
    y0 = rt.uniform(*cfg.area_y, N)
    heading = rt.uniform(-np.pi, np.pi, N)
    mean = np.where(cls == 1, cfg.vehicle_speed[0], cfg.walker_speed[0])
    std = np.where(cls == 1, cfg.vehicle_speed[1], cfg.walker_speed[1])
    speed = np.maximum(rt.normal(mean, std), 0.1)
    X = np.zeros((K, N, 4))
    X[0] = np.c_[x0, speed * np.cos(heading), y0, speed * np.sin(heading)]
    q = np.where(cls == 1, cfg.q_vehicle, cfg.q_walker)
    _, Q1 = cv_matrices(1.0, cfg.dt)
    L1 = np.linalg.cholesky(Q1)
    for k in range(1, K):
        w = rt.standard_normal((N, 2, 2)) @ L1.T * np.sqrt(q)[:, None, None]
        for ax, (ip, iv) in enumerate(((0, 1), (2, 3))):
            p, v = X[k - 1, :, ip], X[k - 1, :, iv]
            X[k, :, ip] = p + cfg.dt * v + w[:, ax, 0]
            X[k, :, iv] = v + w[:, ax, 1]
    xr, yr = cfg.radar_xy
    sb = math.radians(cfg.sigma_bearing_deg)
    scans = []
    for k in range(K):
        det = rd.random(N) < cfg.pd
        ids = np.flatnonzero(det)
        dx, dy = X[k, ids, 0] - xr, X[k, ids, 2] - yr
        b = wrap(np.arctan2(dy, dx) + rd.normal(0, sb, ids.size))
        r = np.hypot(dx, dy) + rd.normal(0, cfg.sigma_range, ids.size)
        nc = rd.poisson(cfg.clutter_rate)
        cx, cy = rd.uniform(*cfg.area_x, nc), rd.uniform(*cfg.area_y, nc)
        b = np.r_[b, np.arctan2(cy - yr, cx - xr)]
        r = np.r_[r, np.hypot(cx - xr, cy - yr)]
        tid = np.r_[ids, -np.ones(nc, np.int64)]
        perm = rd.permutation(tid.size)  # no ordering hints
        scans.append(Scan(b[perm], r[perm], tid[perm].astype(np.int64)))
    return Scenario(cfg, X, cls, scans)


# -- files -----------------------------------------------------------------------------------


def save_scenario(scn: Scenario, out: Path | str) -> None:
    """Write ``meta.json``, ``truth.csv``, ``detections.csv`` and ``detections.jsonl`` into
    `out`, in the shared anchor's formats (truth to mm, bearings to 1e-7 rad, ranges to mm)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = scn.cfg
    meta = {
        "config": asdict(cfg),
        "conventions": CONVENTIONS,
        "sensors": [
            {
                "id": "radar0",
                "type": "range_bearing",
                "xy": list(cfg.radar_xy),
                "sigma_range_m": cfg.sigma_range,
                "sigma_bearing_rad": math.radians(cfg.sigma_bearing_deg),
                "pd": cfg.pd,
                "clutter_rate": cfg.clutter_rate,
            }
        ],
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1))
    with (out / "truth.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scan", "t", "target_id", "cls", "x", "vx", "y", "vy"])
        for k, Xk in enumerate(scn.truth):
            for i, s in enumerate(Xk):
                kind = "vehicle" if scn.cls[i] else "walker"
                w.writerow([k, k * cfg.dt, i, kind, *(f"{v:.3f}" for v in s)])
    with (
        (out / "detections.csv").open("w", newline="") as fc,
        (out / "detections.jsonl").open("w") as fj,
    ):
        w = csv.writer(fc)
        w.writerow(["scan", "t", "det_id", "sensor_id", "bearing_rad", "range_m", "truth_id"])
        did = 0
        for k, scan in enumerate(scn.scans):
            dets = []
            for b, r, tid in zip(scan.bearing_rad, scan.range_m, scan.truth_id, strict=True):
                w.writerow([k, k * cfg.dt, did, "radar0", f"{b:.7f}", f"{r:.3f}", int(tid)])
                dets.append(
                    {
                        "id": did,
                        "bearing_rad": round(float(b), 7),
                        "range_m": round(float(r), 3),
                        "truth_id": int(tid),
                    }
                )
                did += 1
            line = {
                "scan": k,
                "t": k * cfg.dt,
                "sensor_id": "radar0",
                "sensor_xy": list(cfg.radar_xy),
                "detections": dets,
            }
            fj.write(json.dumps(line) + "\n")


def load_scenario(d: Path | str) -> Scenario:
    """Read a scenario written by `save_scenario` (or by the shared anchor's ``generate``)."""
    d = Path(d)
    c: dict[str, Any] = json.loads((d / "meta.json").read_text())["config"]
    kw: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in c.items()}
    cfg = ScenarioConfig(**kw)
    K, N = cfg.n_scans, cfg.n_targets
    X, cls = np.zeros((K, N, 4)), np.zeros(N, np.int64)
    with (d / "truth.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            k, i = int(row["scan"]), int(row["target_id"])
            X[k, i] = [float(row[a]) for a in ("x", "vx", "y", "vy")]
            cls[i] = row["cls"] == "vehicle"
    rows: list[list[tuple[float, float, int]]] = [[] for _ in range(K)]
    with (d / "detections.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            rows[int(row["scan"])].append(
                (float(row["bearing_rad"]), float(row["range_m"]), int(row["truth_id"]))
            )
    scans = [
        Scan(
            np.array([r[0] for r in rs], np.float64),
            np.array([r[1] for r in rs], np.float64),
            np.array([r[2] for r in rs], np.int64),
        )
        for rs in rows
    ]
    return Scenario(cfg, X, cls, scans)


# -- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanEstimate:
    """What a tracker reports at one scan: M track ids and their (M, 2) positions (m)."""

    ids: Sequence[Hashable]
    xy: FloatArray

    @classmethod
    def of(cls, rows: Sequence[tuple[Hashable, float, float]]) -> ScanEstimate:
        """From ``(track_id, x, y)`` rows, the shared anchor's form."""
        xy = np.array([[r[1], r[2]] for r in rows], np.float64).reshape(-1, 2)
        return cls([r[0] for r in rows], xy)


def score(
    truth: FloatArray,
    estimates: Sequence[ScanEstimate],
    c: float = 100.0,
    p: float = 2.0,
    steady_from: int = 10,
) -> dict[str, Any]:
    """Score estimates (one per scan) against truth (K, N, 4): mean GOSPA over all scans and
    the rest of the shared anchor's ``score`` keys, including ``per_scan_gospa``."""
    return score_ids(truth, estimates, c, p, steady_from)[0]


def score_ids(
    truth: FloatArray,
    estimates: Sequence[ScanEstimate],
    c: float = 100.0,
    p: float = 2.0,
    steady_from: int = 10,
) -> tuple[dict[str, Any], int]:
    """`score`, and the number of track ids GOSPA never assigned to a truth on any scan
    (tracks of clutter alone)."""
    per = np.zeros((len(estimates), 5))
    last_id: dict[int, Hashable] = {}
    switches = 0
    ids: set[Hashable] = set()
    matched: set[Hashable] = set()  # ids GOSPA assigned to a truth at least once
    for k, est in enumerate(estimates):
        tru = truth[k][:, [0, 2]]
        g = gospa(est.xy, tru, c, p)
        for i, j in enumerate(g.assignment.tolist()):
            if j >= 0:
                tid = est.ids[j]
                if i in last_id and last_id[i] != tid:
                    switches += 1
                last_id[i] = tid
                matched.add(tid)
        ids.update(est.ids)
        per[k] = (g.distance, g.localisation, g.missed, g.false, len(est.xy))
    ss = per[steady_from:] if len(per) > steady_from else per
    n = truth.shape[1]
    nass = (n - per[:, 2]).sum()
    return {
        "scans": len(per),
        "gospa_mean": float(per[:, 0].mean()),
        "gospa_mean_steady": float(ss[:, 0].mean()),
        # sqrt(mean GOSPA^2 / N): per-target RMS cost, comparable across N
        "gospa_per_target_rms": float(math.sqrt((per[:, 0] ** 2).mean() / n)),
        "rms_loc_assigned": float(math.sqrt(per[:, 1].sum() / max(nass, 1))),
        "missed_mean_steady": float(ss[:, 2].mean()),
        "false_mean_steady": float(ss[:, 3].mean()),
        "tracks_mean_steady": float(ss[:, 4].mean()),
        "n_truths": int(n),
        "unique_track_ids": len(ids),
        "id_switches": switches,
        "per_scan_gospa": per[:, 0].round(3).tolist(),
    }, len(ids - matched)


def read_tracks_csv(path: Path | str, n_scans: int) -> list[ScanEstimate]:
    """Estimates from a ``scan,track_id,x,y`` CSV (one row per reported track per scan)."""
    rows: list[list[tuple[Hashable, float, float]]] = [[] for _ in range(n_scans)]
    with Path(path).open(newline="") as f:
        for row in csv.DictReader(f):
            k = int(row["scan"])
            if k < n_scans:
                rows[k].append((row["track_id"], float(row["x"]), float(row["y"])))
    return [ScanEstimate.of(r) for r in rows]


# -- oracle ----------------------------------------------------------------------------------


def oracle_estimates(scn: Scenario) -> list[ScanEstimate]:
    r"""An EKF per target fed only that target's own detections (association from
    ``truth_id``), as the shared ``oracle.py``.

    CV model with the target's own class :math:`q`. A target's track starts at its first
    detection: position from the polar-to-Cartesian conversion, covariance
    :math:`J R J^T` with zero velocity and 12 m/s velocity std per axis; after that each scan
    predicts (:math:`x = F x`, :math:`P = F P F^T + Q`) and, when detected, updates with

    .. math::
        S = H P H^T + R,\quad K = P H^T S^{-1},\quad x = x + K \nu,\quad P = (I - K H) P

    where :math:`h(x) = [\operatorname{atan2}(\Delta y, \Delta x), \|\Delta\|]`, bearing
    innovation wrapped. Every started track is reported at every scan, its id the target
    index.
    """
    cfg = scn.cfg
    K, N, _ = scn.truth.shape
    rx, ry = cfg.radar_xy
    sr, sb = cfg.sigma_range, math.radians(cfg.sigma_bearing_deg)
    R = np.diag([sb**2, sr**2])
    FQ = []  # per class: 0 walker, 1 vehicle
    for qi in (cfg.q_walker, cfg.q_vehicle):
        F1, Q1 = cv_matrices(qi, cfg.dt)
        FQ.append((np.kron(np.eye(2), F1), np.kron(np.eye(2), Q1)))
    x: list[FloatArray | None] = [None] * N
    P: list[FloatArray] = [np.zeros((4, 4))] * N
    out = []
    for k in range(K):
        sc = scn.scans[k]
        by: dict[int, tuple[float, float]] = {}
        for b_, r_, t_ in zip(sc.bearing_rad, sc.range_m, sc.truth_id, strict=True):
            if t_ >= 0:
                by[int(t_)] = (float(b_), float(r_))
        cur_ids: list[Hashable] = []
        cur_xy: list[tuple[float, float]] = []
        for i in range(N):
            xi = x[i]
            if xi is not None:
                F, Q = FQ[int(scn.cls[i] == 1)]
                xi = F @ xi
                P[i] = F @ P[i] @ F.T + Q
            if i in by:
                b, r = by[i]
                if xi is None:
                    px, py = rx + r * math.cos(b), ry + r * math.sin(b)
                    J = np.array([[-r * math.sin(b), math.cos(b)], [r * math.cos(b), math.sin(b)]])
                    Pi = np.zeros((4, 4))
                    Pi[np.ix_([0, 2], [0, 2])] = J @ R @ J.T
                    Pi[1, 1] = Pi[3, 3] = 12.0**2
                    xi, P[i] = np.array([px, 0.0, py, 0.0]), Pi
                else:
                    dx, dy = xi[0] - rx, xi[2] - ry
                    rr = math.hypot(dx, dy)
                    h = np.array([math.atan2(dy, dx), rr])
                    H = np.array([[-dy / rr**2, 0, dx / rr**2, 0], [dx / rr, 0, dy / rr, 0]])
                    S = H @ P[i] @ H.T + R
                    Kg = P[i] @ H.T @ np.linalg.inv(S)
                    y = np.array([b, r]) - h
                    y[0] = (y[0] + math.pi) % (2 * math.pi) - math.pi
                    xi = xi + Kg @ y
                    P[i] = (np.eye(4) - Kg @ H) @ P[i]
            x[i] = xi
            if xi is not None:
                cur_ids.append(i)
                cur_xy.append((float(xi[0]), float(xi[2])))
        out.append(ScanEstimate(cur_ids, np.array(cur_xy, np.float64).reshape(-1, 2)))
    return out
