"""Sensor classifiers as confusion matrices: what label a sensor reports for what it saw, and
the class likelihoods it sends with it (the matrix column of the label it reported).

Rows: the truth (person, vehicle, animal, none-of-these: clutter and nuisance triggers);
columns: the label reported, in `CLASSES` order (person, vehicle, animal, unknown).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from borderwatch.arrays import IntArray
from borderwatch.messages import ClassLikelihood

__all__ = [
    "CAMERA_BLIND",
    "CAMERA_SHARP",
    "LINE",
    "PATROL",
    "RADAR",
    "UGS",
    "classify",
    "likelihoods",
]

CLUTTER = 3
RADAR = np.array(
    [
        [0.60, 0.05, 0.20, 0.15],
        [0.05, 0.80, 0.05, 0.10],
        [0.20, 0.05, 0.55, 0.20],
        [0.15, 0.10, 0.15, 0.60],
    ]
)
CAMERA_SHARP = np.array(
    [
        [0.92, 0.02, 0.04, 0.02],
        [0.02, 0.94, 0.02, 0.02],
        [0.05, 0.02, 0.90, 0.03],
        [0.05, 0.05, 0.10, 0.80],
    ]
)
CAMERA_BLIND = np.array(
    [
        [0.12, 0.08, 0.10, 0.70],
        [0.08, 0.20, 0.07, 0.65],
        [0.10, 0.08, 0.12, 0.70],
        [0.08, 0.08, 0.09, 0.75],
    ]
)
LINE = np.array(
    [
        [0.55, 0.05, 0.25, 0.15],
        [0.05, 0.85, 0.05, 0.05],
        [0.30, 0.05, 0.45, 0.20],
        [0.20, 0.05, 0.25, 0.50],
    ]
)
UGS = np.array(
    [
        [0.60, 0.05, 0.25, 0.10],
        [0.05, 0.85, 0.05, 0.05],
        [0.25, 0.05, 0.55, 0.15],
        [0.15, 0.05, 0.20, 0.60],
    ]
)
PATROL = np.array(
    [
        [0.95, 0.01, 0.03, 0.01],
        [0.01, 0.97, 0.01, 0.01],
        [0.02, 0.01, 0.96, 0.01],
        [0.10, 0.10, 0.10, 0.70],
    ]
)


def classify(
    rng: np.random.Generator, truth: IntArray, confusion: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Draw a reported label per detection and return its likelihood vectors, (n, 4).

    `confusion` is one (4, 4) matrix, or one per detection, (n, 4, 4).
    """
    n = len(truth)
    rows = confusion[truth] if confusion.ndim == 2 else confusion[np.arange(n), truth]
    cum = np.cumsum(rows, axis=1)
    u = rng.random(n)[:, None] * cum[:, -1:]
    label = np.minimum((u > cum).sum(axis=1), 3)
    cols = confusion[:, label].T if confusion.ndim == 2 else confusion[np.arange(n), :, label]
    return np.round(cols, 3)


def likelihoods(values: npt.NDArray[np.float64]) -> list[ClassLikelihood]:
    """Rows of (n, 4) likelihoods as wire structs."""
    return [
        ClassLikelihood(person=float(a), vehicle=float(b), animal=float(c), unknown=float(d))
        for a, b, c, d in values.tolist()
    ]
