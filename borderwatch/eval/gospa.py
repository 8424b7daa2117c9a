r"""GOSPA: the Generalised Optimal Sub-Pattern Assignment metric between two point sets.

For estimates :math:`X = \{x_1..x_M\}` and truths :math:`Y = \{y_1..y_N\}`, cut-off
:math:`c`, order :math:`p` and :math:`\alpha = 2` (Rahmathullah, García-Fernández, Svensson,
2017):

.. math::

    d_p^{(c, 2)}(X, Y) = \Big( \min_{\gamma} \sum_{(i, j) \in \gamma} d(x_i, y_j)^p
        + \frac{c^p}{2} \big( |X| + |Y| - 2 |\gamma| \big) \Big)^{1/p}

over partial assignments :math:`\gamma` whose pairs satisfy :math:`d(x_i, y_j) < c`. Solved as
a linear assignment on :math:`\min(d, c)^p` (a pair at the cut-off costs exactly what leaving
both unassigned costs), then pairs at the cut-off are counted as one missed and one false.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

__all__ = ["GospaResult", "gospa"]


@dataclass(frozen=True, slots=True)
class GospaResult:
    """One GOSPA evaluation: `distance` (m), `localisation` (sum of d^p over assigned pairs,
    m^p), `missed` (truths left unassigned), `false` (estimates left unassigned) and
    `assignment` (N,): for each truth the index of its estimate, or -1 (for identity switches)."""

    distance: float
    localisation: float
    missed: int
    false: int
    assignment: npt.NDArray[np.int64]


def gospa(
    est_xy: npt.ArrayLike, truth_xy: npt.ArrayLike, c: float = 100.0, p: float = 2.0
) -> GospaResult:
    r"""GOSPA (alpha = 2) between estimates (M, 2) and truths (N, 2), metres.

    distance = (sum_{assigned} d^p + c^p / 2 * (missed + false))^(1/p), the assignment
    minimising it, pairs with d >= c left unassigned.
    """
    est = np.asarray(est_xy, np.float64).reshape(-1, 2)
    truth = np.asarray(truth_xy, np.float64).reshape(-1, 2)
    m, n = len(est), len(truth)
    half = c**p / 2.0
    assignment = np.full(n, -1, np.int64)
    if m == 0 or n == 0:
        return GospaResult(float((half * (m + n)) ** (1.0 / p)), 0.0, n, m, assignment)
    D = np.minimum(cdist(truth, est), c)
    rows, cols = linear_sum_assignment(D**p)
    d = D[rows, cols]
    ok = d < c
    assignment[rows[ok]] = cols[ok]
    loc = float((d[ok] ** p).sum())
    assigned = int(ok.sum())
    missed, false = n - assigned, m - assigned
    return GospaResult(
        float((loc + half * (missed + false)) ** (1.0 / p)), loc, missed, false, assignment
    )
