"""A fixed small-numpy-and-Python workload, timed next to every benchmark, so figures from
noisy or different machines can be compared as ratios (the anchor benchmark does the same)."""

from __future__ import annotations

import time

import numpy as np

__all__ = ["calibrate_ms"]


def calibrate_ms(reps: int = 3) -> float:
    """Best-of-`reps` time of the workload, in ms."""
    best = float("inf")
    for _ in range(reps):
        a, p, q = np.eye(4), np.eye(4), 0.01 * np.eye(4)
        t = time.perf_counter()
        for i in range(20000):
            p = a @ p @ a.T + q
            p = 0.5 * (p + p.T) / (1.0 + i % 3)
        best = min(best, time.perf_counter() - t)
    return 1e3 * best
