r"""The track score: how much likelier a track's detections are from a target than from clutter.

A tentative track is confirmed on M hits in a window (M-of-N), and, where clutter is dense,
on its score as well (Blackman and Popoli 1999, sec. 6.2; the sequential probability ratio
test). Each update of a track by detection j adds the log likelihood ratio of "j is this
target's detection" to "j is clutter":

.. math::
    \Delta = \ln \frac{P_D \, \mathcal N(\nu_j; 0, S_j)}{\lambda_j}
           = \ln P_D - \tfrac12 (d_j^2 + \ln |S_j|) - \ln 2\pi - \ln \lambda_j

with :math:`\lambda_j` the clutter density at j in the sensor's measurement space (a radar's
per rad per m: its area density times the range), the same density JPDA weighs with.

Why this and not a larger M: three clutter plots line up into a track about as often as
:math:`\lambda^2` times the gates' areas, so the chance of a false confirmation grows with the
clutter density squared, while a true target's hits land near the centre of a gate whose
size does not change with the clutter. A fixed M either lets clutter through where it is
dense or delays every target where it is sparse; the score asks for more evidence exactly
as much as the clutter around the track makes its hits cheap. On the radar anchor at
N = 50, 60 clutter plots per scan, 46 of 97 track ids were made of clutter alone, each
confirmed on its third hit and coasting out 6 scans later; the targets were confirmed on
time and seldom lost (missed per scan 0.076 against the oracle's 0.069).

Only hits score; a miss does not subtract. A batch of one sensor says nothing of the tracks
outside its coverage, and the tracker does not know the coverage: the M-of-N window and the
tentative coast already drop a track that stops being seen.
"""

from __future__ import annotations

import numpy as np

from borderwatch.arrays import FloatArray

__all__ = ["hit_log_ratio"]

LOG_2PI = float(np.log(2.0 * np.pi))


def hit_log_ratio(d2: FloatArray, logdet: FloatArray, clutter: FloatArray, pd: float) -> FloatArray:
    """Log likelihood ratio, target over clutter, per (track, detection) pair: `d2` and
    `logdet` of the pair's innovation (2-D measurement space), `clutter` the density at the
    detection in that space, `pd` the sensor's detection probability."""
    out: FloatArray = (
        np.log(pd) - 0.5 * (d2 + logdet) - LOG_2PI - np.log(np.maximum(clutter, 1e-300))
    )
    return out
