"""Starting tracks: the free detections of one batch that are one target, and the state a
new track starts from.

Compiled loops (numba): a second's free detections are a few dozen, where numpy's per-call
cost was most of the time of the two dozen small array operations this takes. The tests
hold both to the numpy forms they replace (`tests/fusion/test_initiate.py`).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["fuse_clusters", "same_target_dense"]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def same_target_dense(xy, cov, sensor, gate_d2):  # type: ignore[no-untyped-def]
    """Cluster label per detection (0, 1, ... in order of each cluster's first detection,
    as `geo.groups.components` numbers them): detections of different sensors linked
    where they pass the gate against each other, their covariances summed, by every
    distance within the radius the largest trace bounds."""
    n = xy.shape[0]
    top = 0.0
    for a in range(n):
        top = max(top, cov[a, 0, 0] + cov[a, 1, 1])
    radius = np.sqrt(gate_d2 * 2.0) * np.sqrt(top)
    r2 = radius * radius
    parent = np.arange(n)
    for a in range(n):
        for b in range(a + 1, n):
            if sensor[a] == sensor[b]:
                continue
            dx = xy[a, 0] - xy[b, 0]
            dy = xy[a, 1] - xy[b, 1]
            if not dx * dx + dy * dy <= r2:
                continue
            s00 = cov[a, 0, 0] + cov[b, 0, 0]
            s01 = cov[a, 0, 1] + cov[b, 0, 1]
            s10 = cov[a, 1, 0] + cov[b, 1, 0]
            s11 = cov[a, 1, 1] + cov[b, 1, 1]
            det = s00 * s11 - s01 * s10
            u0 = (s11 / det) * dx + (-s01 / det) * dy
            u1 = (-s10 / det) * dx + (s00 / det) * dy
            if not dx * u0 + dy * u1 <= gate_d2:
                continue
            # Union by the smaller root: a cluster's root is its first detection.
            ra, rb = a, b
            while parent[ra] != ra:
                ra = parent[ra]
            while parent[rb] != rb:
                rb = parent[rb]
            if ra < rb:
                parent[rb] = ra
            elif rb < ra:
                parent[ra] = rb
    label = np.empty(n, np.int64)
    count = 0
    for a in range(n):
        root = a
        while parent[root] != root:
            root = parent[root]
        if root == a:
            label[a] = count
            count += 1
        else:
            label[a] = label[root]
    return label


@numba.njit(cache=True, nogil=True, error_model="numpy")
def fuse_clusters(xy, cov, label, n, speed_var):  # type: ignore[no-untyped-def]
    """Each cluster's detections fused, information-weighted (P = (sum C_i^-1)^-1, mean
    = P sum C_i^-1 z_i), as a new track's state x (n, 4) and covariance P (n, 4, 4), its
    velocity unknown (`speed_var` on each axis)."""
    info = np.zeros((n, 2, 2))
    vec = np.zeros((n, 2))
    for k in range(xy.shape[0]):
        a, b, c, d = cov[k, 0, 0], cov[k, 0, 1], cov[k, 1, 0], cov[k, 1, 1]
        det = a * d - b * c
        i00, i01, i10, i11 = d / det, -b / det, -c / det, a / det
        g = label[k]
        info[g, 0, 0] += i00
        info[g, 0, 1] += i01
        info[g, 1, 0] += i10
        info[g, 1, 1] += i11
        vec[g, 0] += i00 * xy[k, 0] + i01 * xy[k, 1]
        vec[g, 1] += i10 * xy[k, 0] + i11 * xy[k, 1]
    x = np.zeros((n, 4))
    P = np.zeros((n, 4, 4))
    for g in range(n):
        a, b, c, d = info[g, 0, 0], info[g, 0, 1], info[g, 1, 0], info[g, 1, 1]
        det = a * d - b * c
        p00, p01, p10, p11 = d / det, -b / det, -c / det, a / det
        x[g, 0] = p00 * vec[g, 0] + p01 * vec[g, 1]
        x[g, 2] = p10 * vec[g, 0] + p11 * vec[g, 1]
        P[g, 0, 0], P[g, 0, 2], P[g, 2, 0], P[g, 2, 2] = p00, p01, p10, p11
        P[g, 1, 1] = P[g, 3, 3] = speed_var
    return x, P
