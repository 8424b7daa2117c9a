"""The tracker: one step per batch of detections, reading as the algorithm.

    predict every track to the batch's first detection time
    gate all tracks against all detections (k-d tree pre-gate, then Mahalanobis, each pair
        predicted to its detection's time)
    assign: confirmed tracks first, then tentative ones take what is left (GNN), at most one
        detection per track per sensor
    update the matched tracks (EKF), a track seen by several sensors once per detection, in
        time order; fold each detection's class likelihoods into the track's class posterior
    confirm tentative tracks with enough hits; delete what has gone unseen too long
    start a tentative track on every placing detection nobody took

A bearing-only batch (a camera) is gated against confirmed tracks only and starts nothing.

All policy is in `TrackerConfig`; each step is a function of its own module.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from typing import Annotated, Literal

import msgspec
import numpy as np
from scipy.spatial import cKDTree

from borderwatch.arrays import BoolArray, FloatArray, IntArray, unique_inverse
from borderwatch.fusion.associate import assign, swap_spread
from borderwatch.fusion.gate import Pairs, gate
from borderwatch.fusion.initiate import fuse_clusters, same_target_dense
from borderwatch.fusion.jpda import mixture_update, pda_weights
from borderwatch.fusion.linalg import inv_small
from borderwatch.fusion.maneuver import fold_innovations, scaled_q
from borderwatch.fusion.measurements import MeasurementBatch
from borderwatch.fusion.motion import predict
from borderwatch.fusion.score import hit_log_ratio
from borderwatch.fusion.tracks import CONFIRMED, TENTATIVE, TrackTable
from borderwatch.fusion.update import kalman_update, update_matched
from borderwatch.geo.groups import components

__all__ = ["Tracker", "TrackerConfig", "speed_likelihood"]

# Up to this many free detections, `_same_target` looks at every pair rather than a k-d tree.
SAME_TARGET_DENSE = 150

# Ground speeds, m/s, above which a class becomes unlikely (logistic fall-off, width):
# people walk at up to ~2, run at ~5 for a short while; camels and dogs gallop at up to ~10.
PERSON_MAX_MPS, PERSON_WIDTH = 4.0, 0.7
ANIMAL_MAX_MPS, ANIMAL_WIDTH = 9.0, 1.5


def speed_likelihood(speed: FloatArray) -> FloatArray:
    """p(speed | class) up to a constant, (K, 4) in `CLASSES` order."""
    out = np.ones((len(speed), 4))
    out[:, 0] = 1.0 / (1.0 + np.exp(np.clip((speed - PERSON_MAX_MPS) / PERSON_WIDTH, -50, 50)))
    out[:, 2] = 1.0 / (1.0 + np.exp(np.clip((speed - ANIMAL_MAX_MPS) / ANIMAL_WIDTH, -50, 50)))
    return out


Pos = Annotated[float, msgspec.Meta(gt=0.0)]


class TrackerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every tracking policy, with its unit. Process noise is chosen per track by speed: a
    track slower than `slow_speed_mps` moves like a walker (`q_slow`), faster like a vehicle
    (`q_fast`); a tentative track, whose speed is not known yet, gets `q_fast`."""

    q_slow: Pos = 0.005  # m^2/s^3: walkers, animals
    q_fast: Pos = 0.05  # m^2/s^3: vehicles
    slow_speed_mps: Pos = 5.0
    # chi-square 2 dof at 99.97 %: at 99 % about 2 % of true detections fell outside the gate
    # on the anchor scenario, and each lost update cost more than the rare clutter let in.
    gate_d2: Pos = 16.0
    # How confirmed tracks take their update: "gnn", from their one assigned detection, or
    # "jpda", from every gated detection by cheap-JPDA weights. Hits, confirmation and which
    # detections may start tracks come from the GNN assignment either way. Radar anchor,
    # GOSPA / oracle over seeds 1-3: GNN N=100 1.041/1.008/1.004, N=500 1.024/1.022/1.027;
    # JPDA N=100 1.017/1.008/1.007, N=500 1.034/1.034/1.031 (tracks that share detections are
    # pulled together when targets are dense). GNN is the default until JPDA wins both.
    update: Literal["gnn", "jpda"] = "gnn"
    # A doubtful swap (two slow confirmed tracks that could as well have taken each other's
    # detections) adds weight x the two-point spread to R (see `associate.swap_spread`).
    # Radar anchor, GOSPA / oracle over seeds 1-3: weight 2: N=100 1.018/1.009/1.008, N=500
    # 1.025/1.026/1.032; off (0): N=100 1.041/1.008/1.004, N=500 1.024/1.022/1.027; weight 1:
    # N=100 1.039/1.009/1.007 (the crossing walkers of seed 1 not mended); weight 4: N=100
    # 1.019/1.012/1.009. Seeds 4-8 at N=100: within +-0.001 of off. With vehicles in as
    # well, N=500 lost more than it gained (1.029/1.035/1.042).
    swap_doubt_weight: Annotated[float, msgspec.Meta(ge=0.0)] = 2.0
    init_speed_sigma_mps: Pos = 12.0
    # 3 hits in 3.5 s (3 of 4 scans at 1 Hz): with 2 of 3, clutter pairs confirm often
    # enough to cost more than the scan of delay (measured on the radar anchor scenario).
    confirm_hits: Annotated[int, msgspec.Meta(ge=1)] = 3
    confirm_window_s: Pos = 3.5  # a tentative track has this long to get its hits
    # ... or, with one hit more than `confirm_hits`, this long: far out, where a radar's
    # bearing is 100 m wide, each hit is worth less to the score (about 4.5 at 12 km in the
    # anchor's clutter 60 against 6-7 at 3 km) and a walker may need a fourth hit; one miss
    # in 3.5 s and its tentative track died, to start again, and a target near a confirmed
    # track seldom got one at all. Radar anchor, GOSPA / oracle, with the manoeuvre gain on:
    # 3.5 (off): N=500 clutter 60 seed 1 1.044, N=300 clutter 60 seed 2 1.031, N=50
    # clutter 60 seed 2 1.012; 4.5: 1.043, 1.027, 1.017; 5.5: 1.040, 1.026, 1.020, but with
    # 1-2 tracks of clutter alone at N=50 clutter 60 (none at 4.5), and in clutter five times
    # as dense (the score's test) one in ten runs of 30 s (none at 4.5). At most
    # `confirm_window_s` turns it off.
    confirm_late_window_s: Pos = 4.5
    # ... and its score (summed log likelihood ratio, target over clutter, of the hits after
    # the first; see `score`) must reach this: where clutter is dense, hits are cheap, and
    # three clutter plots in a line are not a target. Wald's bound: a track of clutter alone
    # reaches score T with probability at most about e^-T, 1.2e-4 at 9 (60 new tentative tracks a
    # scan: one false confirmation in ~140 scans). Radar anchor, GOSPA / oracle, seeds 1-2:
    # N=50 clutter 60: off 1.113/1.093, 7: 1.034/1.034, 9: 1.008/1.010, 11: 1.022/1.035
    # (targets confirmed later); N=100 clutter 60: off 1.091/1.058, 9: 1.040/1.020. The
    # border twin: full-border-day's first 2 h, alerts and incidents byte for byte the same.
    # -inf turns the test off (M-of-N only).
    confirm_score: float = 9.0
    tentative_coast_s: Pos = 2.5  # ... and is dropped after this long without one
    coast_s: Pos = 5.5  # a confirmed track is deleted after this long unseen
    # ... or after this long with bearings only (a camera watching a walker who stands still
    # keeps the track; its range is then unobserved and drifts, so not for ever).
    coast_bearing_only_s: Pos = 120.0
    # Class fusion: log posterior += w log p(report | class). Sensor reports of one target are
    # not independent (the same silhouette, the same gait), so each counts as a fraction of a
    # report; and no class is ever ruled out beyond e^-floor to the best, so a wrong early
    # call can still be overturned.
    class_evidence_weight: Annotated[float, msgspec.Meta(gt=0.0, le=1.0)] = 0.5
    class_floor: Pos = 9.0
    # Adjustable process noise (see `maneuver`): a confirmed track whose placing updates'
    # whitened innovations, averaged with fading memory, lean one way (their statistic,
    # chi-square 2 dof while the state is right, above `maneuver_threshold`) has its process
    # noise times `maneuver_q_gain` until the average falls back; `maneuver_memory` is the
    # old average's weight per update. inf turns it off. Radar anchor, GOSPA / oracle (late
    # window 3.5 s): off N=500 clutter 60 seed 1 1.052, N=300 clutter 40 seed 2 1.034, N=100
    # clutter 60 seed 1 1.040; threshold 9: 1.044, 1.030, 1.037; 12: 1.047, 1.031, 1.039;
    # 6: 1.045, 1.034, 1.040; gain 20: 1.044, 1.030, 1.037; memory 0.6: 1.044, 1.031, 1.038.
    # The squared innovation's average instead (one plot at the gate's edge moves it as
    # much as a bias): at best 1.044, 1.030, 1.039.
    maneuver_threshold: Pos = 9.0
    maneuver_q_gain: Annotated[float, msgspec.Meta(ge=1.0)] = 10.0
    maneuver_memory: Annotated[float, msgspec.Meta(ge=0.0, lt=1.0)] = 0.7
    evidence_kept: Annotated[int, msgspec.Meta(ge=1)] = 12  # detection keys kept per track


class Tracker:
    """Multi-target tracker over batches from any mix of sensors (see `measurements`)."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.tracks = TrackTable()
        self.time_s = -np.inf
        # The latest detection keys behind each track (by id): the evidence alerts cite.
        self.evidence: dict[int, deque[str]] = {}
        self.non_finite_dropped = 0  # tracks dropped because their state stopped being finite

    # -- the steps -------------------------------------------------------------------------
    def _slow(self, rows: IntArray | slice = slice(None)) -> BoolArray:
        """Confirmed tracks slower than `slow_speed_mps`: walkers (and the still)."""
        tr = self.tracks
        speed = np.hypot(tr.x[rows, 1], tr.x[rows, 3])
        slow: BoolArray = (tr.status[rows] == CONFIRMED) & (speed < self.config.slow_speed_mps)
        return slow

    def _q(self, slow: BoolArray, rows: IntArray | slice = slice(None)) -> FloatArray:
        """Process noise per track (of `rows`; `slow` from `_slow(rows)`): walker-like for the
        `slow` ones; times the manoeuvre gain for confirmed tracks whose innovations have
        stopped looking like noise (`maneuver`)."""
        c = self.config
        q: FloatArray = np.where(slow, c.q_slow, c.q_fast)
        if c.maneuver_threshold != math.inf:
            tr = self.tracks
            q = scaled_q(
                q,
                tr.bias[rows],
                tr.status[rows] == CONFIRMED,
                c.maneuver_memory,
                c.maneuver_threshold,
                c.maneuver_q_gain,
            )
        return q

    def _predict(self, t: float, q: FloatArray) -> None:
        """Every track on to time `t`, with process noise `q` (per track, from `_q`)."""
        tr = self.tracks
        if len(tr) == 0:
            return
        dt = np.maximum(t - tr.t, 0.0)
        tr.x, tr.P = predict(tr.x, tr.P, dt, q)
        tr.t = np.maximum(tr.t, t)

    def _assign(self, pairs: Pairs, batch: MeasurementBatch) -> tuple[IntArray, IntArray]:
        """GNN with one row per (track, sensor): a track takes at most one detection from
        each sensor. Leaving a row empty costs the gate's edge at that row's mean |S|."""
        tr = self.tracks
        if len(pairs.i) == 0:
            empty = np.zeros(0, np.int64)
            return empty, empty
        sensor = batch.sensors()[pairs.j]
        n_s = int(sensor.max()) + 1
        row_key, row = unique_inverse(pairs.i * n_s + sensor)
        track_of_row = row_key // n_s
        n_rows = len(row_key)
        miss = self.config.gate_d2 + (
            np.bincount(row, pairs.logdet, minlength=n_rows) / np.bincount(row, minlength=n_rows)
        )
        cost = pairs.d2 + pairs.logdet
        status = tr.status[pairs.i]
        rows: list[IntArray] = []
        dets: list[IntArray] = []
        taken = np.zeros(len(batch), bool)
        for which in (CONFIRMED, TENTATIVE):
            keep = (status == which) & ~taken[pairs.j]
            r, d = assign(row[keep], pairs.j[keep], cost[keep], n_rows, len(batch), miss)
            taken[d] = True
            rows.append(track_of_row[r])
            dets.append(d)
        return np.concatenate(rows), np.concatenate(dets)

    def _doubt(
        self,
        pairs: Pairs,
        rows: IntArray,
        dets: IntArray,
        batch: MeasurementBatch,
        slow: BoolArray,
    ) -> FloatArray | None:
        """Extra R per matched pair where a swap with a rival track was nearly as likely
        (`slow` tracks only: a vehicle's larger process noise mends a mixed velocity within
        seconds, a walker's does not)."""
        w = self.config.swap_doubt_weight
        if w == 0.0 or len(rows) < 2:
            return None
        return swap_spread(pairs, rows, dets, len(batch), batch.sensors(), slow, w)

    def _update(
        self,
        pairs: Pairs,
        rows: IntArray,
        dets: IntArray,
        batch: MeasurementBatch,
        doubt: FloatArray | None = None,
    ) -> None:
        """Kalman-update each matched track with its detections (a track seen by two sensors
        with both at once); `doubt` (per matched pair, or None) is added to the detection's
        R."""
        tr = self.tracks
        soft = np.zeros(len(tr), bool)
        if (
            self.config.update == "jpda"
            and batch.places
            and np.all(batch.sensors() == batch.sensors()[0])
        ):
            # JPDA weighs one sensor's detections against each other; with several sensors
            # in a batch the tracks take the GNN update.
            soft = tr.status == CONFIRMED
            self._jpda(pairs, soft, batch)
        hard = ~soft[rows]
        r_all, d_all = rows[hard], dets[hard]
        e_all = doubt[hard] if doubt is not None else None
        if len(r_all):
            order = np.argsort(r_all, kind="stable")
            r_all, d_all = r_all[order], d_all[order]
            starts = np.flatnonzero(np.concatenate(([True], r_all[1:] != r_all[:-1])))
            _, R = batch.measurement()
            extra = np.zeros((0, *R.shape[1:])) if e_all is None else e_all[order]
            # Compiled, in place (fusion/update.py): a track with one detection takes the
            # Kalman update from the gate's own numbers, one with several (overlapping
            # radars in one second) takes them all at once in information form, at its own
            # time, then is predicted on to its last detection. The process noise over
            # that (sub-second) step is left out of R, as small against it as q dt^3 / 3
            # is against a radar's 10 m.
            update_matched(
                tr.x,
                tr.P,
                tr.t,
                r_all,
                d_all,
                pairs.index(r_all, d_all, len(batch)),
                pairs.xp,
                pairs.Pp,
                pairs.H,
                pairs.nu,
                pairs.S,
                R,
                extra,
                batch.times(),
                starts,
                self._q(self._slow(r_all[starts]), r_all[starts]),
            )
        np.add.at(tr.hits, rows, 1)  # a track seen by two sensors scores two hits
        if batch.places and len(rows):
            p = pairs.index(rows, dets, len(batch))
            llr = hit_log_ratio(pairs.d2[p], pairs.logdet[p], batch.clutter()[dets], batch.pd)
            np.add.at(tr.score, rows, llr)
            if self.config.maneuver_threshold != math.inf and pairs.nu.shape[1] == 2:
                fold_innovations(
                    tr.bias, rows, pairs.nu[p], pairs.S[p], self.config.maneuver_memory
                )
        np.maximum.at(tr.last_hit, rows, batch.times()[dets])
        if batch.places:
            np.maximum.at(tr.last_fix, rows, batch.times()[dets])
        self._classify(rows, batch.likelihoods()[dets])
        if batch.keys:
            ids = tr.id[rows].tolist()
            for tid, d in zip(ids, dets.tolist(), strict=True):
                self.evidence[tid].append(batch.keys[d])

    def _log_evidence(self, likelihood: FloatArray) -> FloatArray:
        w = self.config.class_evidence_weight
        out: FloatArray = w * np.log(np.maximum(likelihood, 1e-6))
        return out

    def _floored(self, logc: FloatArray) -> FloatArray:
        """Log posteriors shifted so the best class is 0, none below -`class_floor`."""
        out: FloatArray = np.maximum(
            logc - logc.max(axis=1, keepdims=True), -self.config.class_floor
        )
        return out

    def _classify(self, rows: IntArray, likelihood: FloatArray) -> None:
        """Bayes: add each detection's log likelihoods to its track's log posterior."""
        if len(rows) == 0:
            return
        tr = self.tracks
        np.add.at(tr.logc, rows, self._log_evidence(likelihood))
        # Row by row, so a track in `rows` twice gets the same row twice: no unique needed.
        tr.logc[rows] = self._floored(tr.logc[rows])

    def _jpda(self, pairs: Pairs, which: BoolArray, batch: MeasurementBatch) -> None:
        """Soft update of the tracks in `which` from every detection in their gates (one
        sensor, one time)."""
        tr = self.tracks
        keep = which[pairs.i]
        if not keep.any():
            return
        i, j = pairs.i[keep], pairs.j[keep]
        rows, local = unique_inverse(i)
        beta, beta0 = pda_weights(
            local,
            j,
            pairs.d2[keep],
            pairs.logdet[keep],
            len(rows),
            len(batch),
            batch.clutter(),
            batch.pd,
        )
        _, H = batch.predict(tr.x[i], j)
        _, R = batch.measurement()
        x_ij, P_ij = kalman_update(tr.x[i], tr.P[i], H, R[j], pairs.nu[keep], pairs.S[keep])
        tr.x[rows], tr.P[rows] = mixture_update(
            tr.x[rows], tr.P[rows], local, x_ij, P_ij, beta, beta0
        )

    def _manage(self, t: float) -> None:
        tr, c = self.tracks, self.config
        age = t - tr.born
        confirm = (
            (tr.status == TENTATIVE)
            & (
                ((tr.hits >= c.confirm_hits) & (age <= c.confirm_window_s))
                | ((tr.hits > c.confirm_hits) & (age <= c.confirm_late_window_s))
            )
            & (tr.score >= c.confirm_score)
        )
        tr.status[confirm] = CONFIRMED
        self.age_out(t)

    def _initiate(self, batch: MeasurementBatch, free: BoolArray) -> None:
        """A new tentative track per free detection, except that detections of one target by
        different sensors (two radars overlapping, the fibre and a ground sensor) start ONE
        track: free detections of different sensors that pass the gate against each other
        are fused (information-weighted) first."""
        if not free.any() or not batch.places:
            return
        idx = np.flatnonzero(free)
        xy_all, cov_all = batch.converted()
        xy, cov = xy_all[idx], cov_all[idx]
        label = self._same_target(xy, cov, batch.sensors()[idx])
        n = int(label.max()) + 1
        x, P = fuse_clusters(xy, cov, label, n, self.config.init_speed_sigma_mps**2)
        lc = np.zeros((n, 4))
        np.add.at(lc, label, self._log_evidence(batch.likelihoods()[idx]))
        ids = self.tracks.add(x, P, batch.time_s, self._floored(lc))
        # A new track starts at its own detections' time, not the batch's.
        tr = self.tracks
        when = np.full(n, -np.inf)
        np.maximum.at(when, label, batch.times()[idx])
        new = slice(len(tr) - n, len(tr))  # `add` appends
        tr.t[new] = tr.born[new] = tr.last_hit[new] = tr.last_fix[new] = when
        tr.hits[new] = np.bincount(label, minlength=n)
        keys: list[list[str]] = [[] for _ in range(n)]
        if batch.keys:
            for k, lab in zip(idx.tolist(), label.tolist(), strict=True):
                keys[lab].append(batch.keys[k])
        for tid, ks in zip(ids.tolist(), keys, strict=True):
            self.evidence[tid] = deque(ks, maxlen=self.config.evidence_kept)

    def _same_target(self, xy: FloatArray, cov: FloatArray, sensor: IntArray) -> IntArray:
        """Cluster label per detection: linked when from different sensors and within the
        gate of each other (their covariances summed)."""
        n = len(xy)
        alone: IntArray = np.arange(n, dtype=np.int64)
        if n == 1 or np.all(sensor == sensor[0]):
            return alone
        if n <= SAME_TARGET_DENSE:
            # Every distance, compiled: a second's free plots are a few dozen.
            dense: IntArray = same_target_dense(xy, cov, sensor, self.config.gate_d2)
            return dense
        # The trace bounds the largest eigenvalue: a radius no smaller than the gate's.
        spread = float(np.sqrt(np.max(cov[:, 0, 0] + cov[:, 1, 1])))
        radius = np.sqrt(self.config.gate_d2 * 2.0) * spread
        pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
        a, b = pairs[:, 0], pairs[:, 1]
        if len(a) == 0:
            return alone
        keep = sensor[a] != sensor[b]
        if not keep.any():
            return alone
        a, b = a[keep], b[keep]
        d = xy[a] - xy[b]
        Sinv, _ = inv_small(cov[a] + cov[b])
        d2 = (d * (Sinv @ d[:, :, None])[:, :, 0]).sum(axis=1)
        near = d2 <= self.config.gate_d2
        return components(n, a[near], b[near])

    # -- the algorithm ---------------------------------------------------------------------
    def process(self, batch: MeasurementBatch) -> None:
        """Take in one batch of detections (any sensors of one kind, close in time)."""
        if len(batch) == 0:
            self._manage(batch.time_s)
            self.time_s = max(self.time_s, batch.time_s)
            return
        tr = self.tracks
        # Which tracks are slow, and so their process noise, hold through the predict (it
        # moves positions, not velocities) up to the update.
        slow = self._slow()
        q = self._q(slow)
        if batch.places:
            self._predict(float(batch.times().min()), q)
            pairs = gate(tr.x, tr.P, tr.t, q, batch, self.config.gate_d2)
        else:
            # A bearing cannot tell a new target from clutter: only confirmed tracks take one.
            # No predict of every track here: each pair is predicted to its own time in the
            # gate and the update, and the placing batch of the same second moves all on.
            ok = np.flatnonzero(tr.status == CONFIRMED)
            sub = gate(tr.x[ok], tr.P[ok], tr.t[ok], q[ok], batch, self.config.gate_d2)
            pairs = dataclasses.replace(sub, i=ok[sub.i])
        rows, dets = self._assign(pairs, batch)
        self._update(pairs, rows, dets, batch, self._doubt(pairs, rows, dets, batch, slow))
        if batch.places:
            self._manage(batch.time_s)
        free = np.ones(len(batch), bool)
        free[dets] = False
        self._initiate(batch, free)
        self._drop_non_finite()
        self.time_s = max(self.time_s, batch.time_s)

    def saved(self) -> tuple[TrackTable, float]:
        """The state `restore` can go back to: the track table (copied) and the time."""
        return self.tracks.copy(), self.time_s

    def restore(self, saved: tuple[TrackTable, float]) -> None:
        """Go back to a `saved()` state, after a batch that failed half way. The evidence
        keys the failed batch appended to surviving tracks stay (they name detections that
        were taken in again, or the one refused); those of tracks it started go."""
        table, self.time_s = saved
        self.tracks = table.copy()
        for tid in [t for t in self.evidence if t >= table.next_id]:
            del self.evidence[tid]

    def age_out(self, t: float) -> None:
        """Delete the tracks unseen too long at time `t` (s), as a batch at `t` would: the
        picture asks at each scene, so tracks coast out through a gap in the detections
        instead of standing still in it."""
        tr, c = self.tracks, self.config
        drop: BoolArray = np.where(
            tr.status == TENTATIVE,
            (t - tr.born > max(c.confirm_window_s, c.confirm_late_window_s))
            | (t - tr.last_hit > c.tentative_coast_s),
            (t - tr.last_hit > c.coast_s) | (t - tr.last_fix > c.coast_bearing_only_s),
        )
        self._drop(drop)

    def _drop_non_finite(self) -> None:
        """Defence in depth: admission bounds what a detection may say, so no state should
        ever stop being finite; if one does anyway, that track goes (counted), not the
        engine (a NaN in one row would otherwise reach every k-d tree and every scene)."""
        tr = self.tracks
        if math.isfinite(float(tr.x.sum()) + float(tr.P.sum())):
            return  # the every-batch case in two sums (a huge finite sum overflows: looked at)
        finite = np.isfinite(tr.x).all(axis=1) & np.isfinite(tr.P).all(axis=(1, 2))
        bad: BoolArray = np.asarray(~finite, bool)
        if bad.any():
            self.non_finite_dropped += int(bad.sum())
            self._drop(bad)

    def _drop(self, drop: BoolArray) -> None:
        if drop.any():
            tr = self.tracks
            for tid in tr.id[drop].tolist():
                self.evidence.pop(tid, None)
            tr.keep(~drop)

    def class_probabilities(self, rows: IntArray | slice = slice(None)) -> FloatArray:
        """Posterior class probabilities (K, 4) in `CLASSES` order: every sensor's evidence,
        and how fast the track moves (nobody walks at 20 m/s: a track that fast in a herd is
        a bad association or a vehicle, whatever the camera said of the herd)."""
        tr = self.tracks
        speed = np.hypot(tr.x[rows, 1], tr.x[rows, 3])
        e = np.exp(tr.logc[rows]) * speed_likelihood(speed)
        out: FloatArray = e / e.sum(axis=1, keepdims=True)
        return out

    def estimates(self, t: float | None = None) -> tuple[IntArray, FloatArray]:
        """Ids (K,) and positions (K, 2) of confirmed tracks (coasting ones included),
        predicted to time `t` (default: the latest batch's time)."""
        tr = self.tracks
        ok = tr.status == CONFIRMED
        t = self.time_s if t is None else t
        dt = np.maximum(t - tr.t[ok], 0.0)[:, None]
        xy = tr.x[ok][:, [0, 2]] + dt * tr.x[ok][:, [1, 3]]
        return tr.id[ok], xy
